// The web console in a real browser (headless Chromium via playwright-core):
// log in with the token, see Domain-0, create a domain from the page and see
// it listed within 5 s, pause/unpause it and see `xm list` agree, set its
// vCPU count (xend's refusal above maxvcpus shown as xm shows it, then a
// count `xm vcpu-list` agrees with) and memory target (bounded by mem-max),
// see its disk and network counters move, type into
// its console and read the echo off the screen, check that terminal queries
// are not answered into the guest and that markup in console output stays
// text, destroy it; no CSP violation on the way.
//   node browser.mjs   (env: WEB_URL, OPTOK, VIEWTOK, XM, CHROMIUM, SHOTS, CFG,
//                       FAKE_VMM, RUN_DIR, NET: yes when the domain has a vif)
import { execFileSync, spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const { WEB_URL, OPTOK, VIEWTOK, XM, CHROMIUM, SHOTS, CFG, FAKE_VMM, RUN_DIR, NET } = process.env;
let pass = 0, fail = 0;
function ok(cond, what) {
  if (cond) { pass++; console.log('ok - ' + what); } else { fail++; console.log('not ok - ' + what); }
}
function xmState(name) {
  const line = execFileSync(XM, ['list']).toString().split('\n').find((l) => l.split(/\s+/)[0] === name);
  if (!line) return 'none';
  const st = line.trim().split(/\s+/)[4];
  return st.includes('p') ? 'paused' : st.startsWith('r') ? 'running' : st;
}
const xmLong = (name) => JSON.parse(execFileSync(XM, ['list', '-l', name]).toString());
// xm vcpu-list: the vCPUs of name that are online (state not "---")
const vcpusOnline = (name) => execFileSync(XM, ['vcpu-list', name]).toString().split('\n')
  .filter((l) => l.split(/\s+/)[0] === name && l.trim().split(/\s+/)[4] !== '---').length;
const xmColumn = (name, col) => execFileSync(XM, ['list']).toString().split('\n')
  .find((l) => l.split(/\s+/)[0] === name)?.trim().split(/\s+/)[col];
// A command to the fake VMM's control socket (its test I/O)
const vmmSend = (name, cmd) => execFileSync(FAKE_VMM, ['--ctl-send', RUN_DIR + '/dom' + xmLong(name).domid + '.ctl', JSON.stringify(cmd)]);
async function until(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: SHOTS + '/webui-' + name + '.png' });
}
const screenText = (page) => page.evaluate(() => document.querySelector('.xterm-rows')?.textContent || '');

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // (HTTP errors the tests cause on purpose, e.g. the 400 of a bad config, are
  // logged by Chromium as "Failed to load resource"; they are not page errors.)
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.on('dialog', (d) => d.accept());
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    window.__sent = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (d) {
      window.__sent.push(typeof d === 'string' ? d : new TextDecoder().decode(d));
      return send.call(this, d);
    };
  });

  // login: the token is used once and leaves the address bar
  await page.goto(WEB_URL + '/#token=' + OPTOK);
  await page.waitForSelector('text=Logged in as operator', { timeout: 10000 });
  ok(!page.url().includes(OPTOK), 'the token is not kept in the URL');
  ok(await page.waitForSelector('#domains tr[data-name="Domain-0"]', { timeout: 5000 }).then(() => true, () => false),
     'Domain-0 is listed');

  // create: an error shown at file:line:col, then a config from the directory
  await page.goto(WEB_URL + '/#/create');
  await page.fill('#config-text', 'name = "oops"\nmemory = 64 +\n');
  await page.click('#create');
  const err = await page.waitForSelector('#create-error', { timeout: 5000 }).then((e) => e.textContent(), () => '');
  ok(/^pasted:2:\d+: /.test(err), 'create: the parse error at file:line:col (' + err + ')');
  await shot(page, 'create');
  await page.fill('#config-text', 'name = "<img src=x id=xss2 onerror=window.__xss=2>"\nkernel = "/bin/true"\n');
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('#create-error')?.textContent.includes('<img'), null, { timeout: 5000 });
  ok(await page.evaluate(() => !window.__xss && !document.getElementById('xss2')),
     'create: markup in a domain name is refused and shown as text');
  await page.selectOption('#config-file', CFG + '.cfg');
  await page.waitForFunction(() => document.querySelector('#config-text').value.includes('kernel'));
  const t0 = Date.now();
  await page.click('#create');
  await page.goto(WEB_URL + '/#/domains');
  const seen = await page.waitForSelector(`#domains tr[data-name="${CFG}"]`, { timeout: 5000 }).then(() => true, () => false);
  ok(seen, `the new domain is listed within 5 s (${Date.now() - t0} ms)`);
  ok(await until(() => xmState(CFG) === 'running', 5000), 'xm list: running');
  await page.waitForSelector(`#domains tr[data-name="${CFG}"] td.state-running`, { timeout: 5000 }).catch(() => {});

  // pause / unpause from the list; xm list agrees
  await page.click(`#domains tr[data-name="${CFG}"] button[data-op="pause"]`);
  ok(await until(() => xmState(CFG) === 'paused', 5000), 'pause: xm list says paused');
  ok(await page.waitForSelector(`#domains tr[data-name="${CFG}"] td.state-paused`, { timeout: 5000 }).then(() => true, () => false),
     'pause: the list says paused');
  await page.waitForTimeout(2500);      // a few samples for the sparklines
  await shot(page, 'domains');
  await page.click(`#domains tr[data-name="${CFG}"] button[data-op="unpause"]`, { timeout: 5000 });
  ok(await until(() => xmState(CFG) === 'running', 5000), 'unpause: xm list says running');

  // the domain page
  await page.goto(WEB_URL + '/#/domain/' + CFG);
  ok(await page.waitForFunction(() => document.querySelector('#config')?.textContent.includes('"kernel"'), null, { timeout: 5000 })
       .then(() => true, () => false), 'domain page shows the config');
  const msg = () => page.textContent('#msg');

  // vCPU count: bounded by maxvcpus; above it, xend's refusal as xm words it
  await page.waitForFunction(() => document.querySelector('#vcpu-count')?.value === '2', null, { timeout: 5000 });
  ok(await page.getAttribute('#vcpu-count', 'max') === '4', 'vCPU count: the input is bounded by maxvcpus (4)');
  const xmSays = spawnSync(XM, ['vcpu-set', CFG, '5']).stderr.toString().trim().replace(/^Error: /, '');
  await page.fill('#vcpu-count', '5');
  await page.click('button[data-op="vcpu_set"]');
  ok(await until(async () => (await msg()).includes(xmSays), 5000) && xmSays.includes('maxvcpus = 4'),
     'vCPU count 5: xend\'s refusal, as xm vcpu-set shows it (' + await msg() + ')');
  ok(vcpusOnline(CFG) === 2, 'vCPU count 5: xm vcpu-list still shows 2 online');
  await page.fill('#vcpu-count', '3');
  await page.click('button[data-op="vcpu_set"]');
  ok(await until(async () => (await msg()).includes('Set vCPUs ' + CFG + ': done'), 5000), 'vCPU count 3: done');
  ok(await until(() => vcpusOnline(CFG) === 3, 5000), 'vCPU count 3: xm vcpu-list shows 3 online');
  ok(xmColumn(CFG, 3) === '3', 'vCPU count 3: xm list shows 3 vCPUs');
  ok(await until(async () => (await page.textContent('#dom-state')).includes('3 of 4'), 5000), 'vCPU count 3: the page says 3 of 4');

  // memory target: the slider's maximum follows xm mem-max
  ok(await page.getAttribute('#mem-slider', 'max') === String(xmLong(CFG).mem_max), 'memory slider: its maximum is mem-max');
  await page.fill('#mem-slider', '192');
  await page.click('button[data-op="mem_set"]');
  ok(await until(() => xmLong(CFG).target === 192, 5000), 'memory slider 192: xm list -l says target 192');
  execFileSync(XM, ['mem-max', CFG, '224']);
  ok(await until(async () => await page.getAttribute('#mem-slider', 'max') === '224', 5000), 'xm mem-max 224: the slider ends at 224');

  // disk and network counters: the fake VMM reads and writes 4 KiB and
  // sends one frame from the "guest"
  vmmSend(CFG, { cmd: 'test-disk-io', devid: 51712 });
  if (NET === 'yes') vmmSend(CFG, { cmd: 'test-nic-send', devid: 0 });
  ok(await until(async () => /Disk I\/O1 read \(4\.0 KiB\), 1 write \(4\.0 KiB\)/.test(await page.textContent('#dom-state')), 5000),
     'disk counters on the page (' + (await page.textContent('#dom-state')).replace(/.*Disk/, 'Disk') + ')');
  ok(await until(async () => (await page.textContent('#vbds'))?.includes('xvda'), 5000), 'devices: the disk, with its counters');
  if (NET === 'yes') {
    ok(await until(async () => /Network I\/Osent 1 packet \(60 B\), received \d+ packets? /.test(await page.textContent('#dom-state')), 5000),
       'network counters on the page');
    ok(await until(async () => (await page.textContent('#vifs'))?.includes('00:16:3e:00:00:32'), 5000), 'devices: the vif, with its counters');
  } else {
    console.log('# no private network namespace: no vif, the network checks are skipped');
  }
  await page.waitForTimeout(2500);     // the rates on the charts
  await shot(page, 'domain');

  // host page
  await page.goto(WEB_URL + '/#/host');
  ok(await page.waitForFunction(() => document.querySelector('#xend-log')?.textContent.length > 0, null, { timeout: 5000 })
       .then(() => true, () => false), 'host page shows the xend log');
  await shot(page, 'host');

  // console: replay, echo, no answers to terminal queries, markup stays text
  await page.goto(WEB_URL + '/#/console/' + CFG);
  ok(await until(async () => (await screenText(page)).includes('fake console of ' + CFG), 5000), 'console: the replayed output');
  ok(await until(async () => (await page.textContent('#console-status')).includes('You are typing'), 5000), 'console: we are the writer');
  await page.click('#term');
  await page.keyboard.type('hello-from-chromium');
  ok(await until(async () => (await screenText(page)).includes('hello-from-chromium'), 5000), 'console: the echo is on the screen');
  await page.evaluate(() => { window.__sent = []; });
  await page.keyboard.press('Escape');                  // echoed back: ESC [ c, ESC [ 6 n
  await page.keyboard.type('[c');
  await page.keyboard.press('Escape');
  await page.keyboard.type('[6n');
  await page.keyboard.press('Escape');
  await page.keyboard.type(']52;c;aGk=');               // OSC 52 clipboard write
  await page.keyboard.press('Escape');
  await page.keyboard.type('\\');
  await page.keyboard.type('<img src=x id=xss onerror="window.__xss=1">');
  await until(async () => (await screenText(page)).includes('<img src=x'), 5000);
  const sent = await page.evaluate(() => window.__sent.join(''));
  ok(!/\x1b\[\?[\d;]*c|\x1b\[\d+;\d+R/.test(sent), 'console: DA and DSR queries got no answer into the guest');
  const typed = '\x1b[c\x1b[6n\x1b]52;c;aGk=\x1b\\<img src=x id=xss onerror="window.__xss=1">';
  ok(sent === typed, 'console: only the keys typed were sent, no answer to DA/DSR/OSC 52 (' + JSON.stringify(sent) + ')');
  ok(await page.evaluate(() => !window.__xss && !document.getElementById('xss')), 'console: markup in the output stays text');
  await shot(page, 'console');

  // the viewer role, in another browser context: it watches, it can't act or type
  const vctx = await browser.newContext();
  const viewer = await vctx.newPage();
  await viewer.goto(WEB_URL + '/#token=' + VIEWTOK);
  await viewer.waitForSelector('text=Logged in as viewer', { timeout: 10000 });
  await viewer.waitForSelector(`#domains tr[data-name="${CFG}"]`, { timeout: 5000 });
  ok(await viewer.isDisabled(`#domains tr[data-name="${CFG}"] button[data-op="pause"]`), 'viewer: pause is disabled');
  await viewer.goto(WEB_URL + '/#/domain/' + CFG);
  await viewer.waitForSelector('#dom-state', { timeout: 5000 });
  ok(await viewer.isDisabled('button[data-op="vcpu_set"]') && await viewer.isDisabled('#vcpu-count') &&
     await viewer.isDisabled('#mem-slider') && await viewer.isDisabled('button[data-op="destroy"]'),
     'viewer: the domain page\'s controls are disabled');
  await viewer.goto(WEB_URL + '/#/console/' + CFG);
  ok(await until(async () => (await viewer.textContent('#console-status')).includes('Read-only'), 5000), 'viewer: the console is read-only');
  ok(await until(async () => (await screenText(viewer)).includes('hello-from-chromium'), 5000), 'viewer: sees the recent output');
  await viewer.click('#term');
  await viewer.keyboard.type('viewer-typed');
  await page.waitForTimeout(1000);
  ok(!(await screenText(page)).includes('viewer-typed'), "viewer: its keys don't reach the guest");
  await vctx.close();

  // destroy from the domain page (confirmed)
  await page.goto(WEB_URL + '/#/domain/' + CFG);
  await page.click('button[data-op="destroy"]');
  ok(await until(() => xmState(CFG) === 'none', 5000), 'destroy: gone from xm list');

  ok((await page.evaluate(() => window.__csp)).length === 0, 'no CSP violation');
  ok(errors.length === 0, 'no page errors' + (errors.length ? ': ' + errors.join(' | ') : ''));
} finally {
  await browser.close();
}
console.log(`# ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
