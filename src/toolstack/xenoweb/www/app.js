// The xeno web console's pages: login, domains, domain, host, create,
// console.  Hash routes (#/domains, #/domain/NAME, #/console/NAME, ...);
// pages poll xenoweb every 2 s while visible.
'use strict';

const el = UI.el;
const main = document.getElementById('main');
let timer = null, page = null, openConsole = null;

function stopPage() {
  if (timer) clearInterval(timer);
  timer = null;
  if (openConsole) openConsole.close();
  openConsole = null;
}

function every(ms, fn) {
  const tick = () => { if (!document.hidden) fn().catch((e) => UI.say(e.message, 'error')); };
  tick();
  timer = setInterval(tick, ms);
}

function operator() { return UI.role === 'operator'; }

function actionButton(label, dom, op, extra) {
  const b = el('button', { type: 'button', 'data-op': op }, label);
  if (op === 'destroy') b.className = 'danger';
  b.disabled = !operator();
  b.addEventListener('click', async () => {
    if (op === 'destroy' && !window.confirm('Destroy domain ' + dom + '? It is killed at once.')) return;
    try {
      await UI.api('POST', 'domain/' + encodeURIComponent(dom), Object.assign({ op }, extra ? extra() : {}));
      if (op === 'destroy' && location.hash.startsWith('#/domain/')) location.hash = '#/domains';
      else if (page && page.refresh) page.refresh().catch((e) => UI.say(e.message, 'error'));
      UI.say(label + ' ' + dom + ': done', 'ok');
    } catch (e) {
      UI.say(label + ' ' + dom + ': ' + e.message, 'error');
    }
  });
  return b;
}

// ---- login
function showLogin(why) {
  stopPage();
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('who').textContent = '';
  const input = el('input', { type: 'password', id: 'token', autocomplete: 'off',
                              placeholder: 'token from xenoweb (its token file)' });
  const go = el('button', { type: 'button', id: 'login' }, 'Log in');
  const err = el('p', { class: 'error', id: 'login-error' }, why || '');
  const submit = () => login(input.value.trim()).catch((e) => { err.textContent = e.message; });
  go.addEventListener('click', submit);
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') submit(); });
  UI.clear(main).append(el('div', { class: 'login' },
    el('h2', {}, 'Log in'),
    el('p', {}, 'Paste the operator or viewer token that xenoweb wrote to its token file (/run/xeno/xenoweb.token).'),
    input, go, err));
  input.focus();
}

async function login(token) {
  await UI.api('POST', 'login', { token });
  await start();
}

async function start() {
  const s = await UI.api('GET', 'session');
  UI.csrf = s.csrf;
  UI.role = s.role;
  document.getElementById('nav').hidden = false;
  document.getElementById('logout').hidden = false;
  document.getElementById('who').textContent = 'Logged in as ' + s.role;
  if (!location.hash.startsWith('#/')) location.hash = '#/domains';
  else route();
}

// ---- domain list
function domainsPage() {
  const body = el('tbody');
  UI.clear(main).append(el('h2', {}, 'Domains'),
    el('table', { id: 'domains' }, el('thead', {}, el('tr', {},
      ...['ID', 'Name', 'State', 'vCPUs', 'Memory (MiB)', 'CPU %', 'CPU', 'Actions'].map((h) => el('th', {}, h)))), body));
  const rows = new Map();
  const refresh = async () => {
    const r = await UI.api('GET', 'domains');
    const seen = new Set();
    for (const d of r.domains) {
      const key = d.domid + '/' + d.name;
      seen.add(key);
      let row = rows.get(key);
      if (!row) {
        row = { tr: el('tr', { 'data-name': d.name }), spark: el('canvas', { class: 'spark' }) };
        rows.set(key, row);
      }
      const acts = el('div', { class: 'actions' });
      if (d.domid !== 0) {
        acts.append(d.state === 'paused' ? actionButton('Unpause', d.name, 'unpause')
                                         : actionButton('Pause', d.name, 'pause'),
                    el('a', { href: '#/console/' + encodeURIComponent(d.name) }, 'Console'));
      }
      UI.clear(row.tr).append(
        el('td', { class: 'num' }, d.domid),
        el('td', {}, el('a', { href: UI.domHref(d.name), class: 'dom-name' }, d.name)),
        el('td', { class: 'state state-' + d.state }, d.state),
        el('td', { class: 'num' }, d.vcpus),
        el('td', { class: 'num' }, d.memory),
        el('td', { class: 'num' }, (d.cpu_pct || 0).toFixed(1)),
        el('td', {}, row.spark), el('td', {}, acts));
      body.append(row.tr);
      UI.sparkline(row.spark, d.cpu_hist);
    }
    for (const [k, row] of rows) if (!seen.has(k)) { row.tr.remove(); rows.delete(k); }
  };
  every(2000, refresh);
  return { refresh };
}

// ---- one domain
// The memory target slider runs from xend's floor to the domain's maximum
// (mem-max when set, else maxmem); the vCPU count from 1 to maxvcpus.
// Values outside are still sent when typed: xend refuses them in its words.
const MEM_FLOOR_MIB = 32;

function domainControls(name) {
  const slider = el('input', { type: 'range', id: 'mem-slider', min: String(MEM_FLOOR_MIB), step: '1' });
  const sliderVal = el('span', { id: 'mem-value' });
  const vcpus = el('input', { type: 'number', id: 'vcpu-count', min: '1', step: '1' });
  const vcpuMax = el('span', { id: 'vcpu-max', class: 'muted' });
  slider.disabled = vcpus.disabled = !operator();
  let memTouched = false, vcpuTouched = false;
  slider.addEventListener('input', () => { memTouched = true; sliderVal.textContent = slider.value + ' MiB'; });
  vcpus.addEventListener('input', () => { vcpuTouched = true; });
  const row = el('div', { class: 'actions' }, 'Memory target:', slider, sliderVal,
    actionButton('Set memory', name, 'mem_set', () => { memTouched = false; return { memory: Number(slider.value) }; }),
    'vCPUs:', vcpus, vcpuMax,
    actionButton('Set vCPUs', name, 'vcpu_set', () => { vcpuTouched = false; return { vcpus: Number(vcpus.value) }; }));
  const update = (d) => {
    const max = d.mem_max || d.maxmem || d.memory;
    slider.max = String(max);
    slider.title = MEM_FLOOR_MIB + ' to ' + max + ' MiB (' + (d.mem_max ? 'mem-max' : 'maxmem') + ')';
    if (!memTouched && document.activeElement !== slider) {
      slider.value = String(d.target || d.memory);
      sliderVal.textContent = slider.value + ' MiB';
    }
    const vmax = d.maxvcpus || d.vcpus;
    vcpus.max = String(vmax);
    vcpuMax.textContent = 'of ' + vmax + ' (maxvcpus)';
    if (!vcpuTouched && document.activeElement !== vcpus) vcpus.value = String(d.vcpus);
  };
  return { row, update };
}

// "3 reads (12.0 KiB)": a counter of requests or packets and its bytes
function countText(n, what, bytes) {
  n = n || 0;
  return n + ' ' + what + (n === 1 ? '' : 's') + ' (' + UI.fmtBytes(bytes || 0) + ')';
}

function ioText(d) {
  return {
    disk: countText(d.vbd_rd_req, 'read', d.vbd_rd_bytes) + ', ' +
          countText(d.vbd_wr_req, 'write', d.vbd_wr_bytes),
    net: 'sent ' + countText(d.vif_tx_packets, 'packet', d.vif_tx_bytes) + ', ' +
         'received ' + countText(d.vif_rx_packets, 'packet', d.vif_rx_bytes),
  };
}

function stateTable(d) {
  const io = ioText(d);
  const mem = d.memory + ' MiB (target ' + (d.target || d.memory) + ', mem-max ' +
              (d.mem_max || d.maxmem) + ', maxmem ' + d.maxmem + ' MiB)';
  const rows = [
    ['ID', d.domid], ['Name', d.name], ['State', d.state],
    ['vCPUs', d.vcpus + ' of ' + (d.maxvcpus || d.vcpus)], ['Memory', mem],
    ['CPU time', (d.cpu_time || 0).toFixed(1) + ' s'], ['Up', UI.fmtSeconds(d.uptime)],
    ['Restarts', d.restarts || 0], ['VMM pid', d.pid || '-']];
  if (d.nr_vbds) rows.push(['Disk I/O', io.disk]);
  if (d.nr_vifs) rows.push(['Network I/O', io.net]);
  const t = UI.kvTable(rows);
  t.id = 'dom-state';
  return t;
}

function table(id, heads, rows) {
  const t = el('table', { id }, el('tr', {}, ...heads.map((h) => el('th', {}, h))));
  for (const r of rows) t.append(el('tr', {}, ...r.map((c) => el('td', {}, c))));
  return t;
}

// Disks: xenstore's view (xm block-list) with the VMM's counters from the
// domain record; vifs: the record's (with counters) and xenstore's states.
async function devicesView(name, d) {
  const q = encodeURIComponent(name);
  const [v, n] = await Promise.all([UI.api('GET', 'domain/' + q + '/vbd'),
    d.nr_vifs ? UI.api('GET', 'domain/' + q + '/vif') : { vifs: [] }]);
  const disk = (devid) => (d.vbd || []).find((x) => x.devid === devid) || {};
  const vifState = (devid) => n.vifs.find((x) => x.devid === devid) || {};
  const out = [];
  out.push(v.vbds.length ? table('vbds', ['Vdev', 'Target', 'Mode', 'State', 'Backend', 'Reads', 'Writes'],
    v.vbds.map((b) => { const c = disk(b.devid);
      return [b.vdev, b.target, b.mode, b.state, b.backend_state,
              (c.rd_req || 0) + ' / ' + UI.fmtBytes(c.rd_bytes || 0),
              (c.wr_req || 0) + ' / ' + UI.fmtBytes(c.wr_bytes || 0)]; }))
    : el('p', { class: 'muted' }, 'No virtual block devices.'));
  out.push((d.vif || []).length ? table('vifs', ['Vif', 'MAC', 'Host side', 'State', 'Backend', 'Sent', 'Received'],
    d.vif.map((f) => { const s = vifState(f.devid);
      return [f.devid, f.mac, f.vifname + (f.bridge ? ' on ' + f.bridge : f.ip ? ' ' + f.ip : ''),
              s.state === undefined ? '-' : s.state, s.backend_state === undefined ? '-' : s.backend_state,
              (f.tx_packets || 0) + ' / ' + UI.fmtBytes(f.tx_bytes || 0),
              (f.rx_packets || 0) + ' / ' + UI.fmtBytes(f.rx_bytes || 0)]; }))
    : el('p', { class: 'muted' }, 'No virtual network interfaces.'));
  out.push(el('p', { class: 'muted' }, 'Console: ' + (d.console_socket || 'none')));
  return out;
}

function drawCharts(charts, s) {
  const rate = (a) => a.map((v, i) => i && s.t[i] > s.t[i - 1] ? Math.max(0, (v - a[i - 1]) / (s.t[i] - s.t[i - 1])) : 0);
  const bps = (v) => UI.fmtBytes(Math.round(v)) + '/s';
  UI.chart(charts.cpu, s.t, s.cpu_pct, 'CPU %', (v) => v.toFixed(1));
  UI.chart(charts.mem, s.t, s.memory_mib, 'Memory MiB', (v) => v.toFixed(0));
  UI.chart(charts.rd, s.t, rate(s.vbd_rd_bytes), 'Disk read', bps);
  UI.chart(charts.wr, s.t, rate(s.vbd_wr_bytes), 'Disk write', bps);
  UI.chart(charts.rx, s.t, rate(s.vif_rx_bytes), 'Net received', bps);
  UI.chart(charts.tx, s.t, rate(s.vif_tx_bytes), 'Net sent', bps);
}

function domainPage(name) {
  const info = el('div'), devices = el('div', { id: 'devices' }), config = el('pre', { id: 'config' });
  const charts = {};
  for (const k of ['cpu', 'mem', 'rd', 'wr', 'rx', 'tx']) charts[k] = el('canvas', { class: 'chart', id: 'chart-' + k });
  const ctl = domainControls(name);
  const acts = el('div', { class: 'actions' },
    actionButton('Pause', name, 'pause'), actionButton('Unpause', name, 'unpause'),
    actionButton('Shut down', name, 'shutdown'), actionButton('Reboot', name, 'reboot'),
    actionButton('Destroy', name, 'destroy'),
    el('a', { href: '#/console/' + encodeURIComponent(name) }, 'Console'));
  UI.clear(main).append(el('h2', {}, 'Domain ', el('span', { id: 'dom-title' }, name)), acts, ctl.row,
    el('div', { class: 'grid2' }, el('div', {}, el('h3', {}, 'State'), info),
      el('div', {}, el('h3', {}, 'Recent minutes'), el('div', { class: 'charts' }, ...Object.values(charts)))),
    el('h3', {}, 'Devices'), devices, el('h3', {}, 'Configuration'), config);
  const refresh = async () => {
    const d = await UI.api('GET', 'domain/' + encodeURIComponent(name));
    UI.clear(info).append(stateTable(d));
    ctl.update(d);
    config.textContent = JSON.stringify(d.config || {}, null, 2);
    if (d.domid !== 0) UI.clear(devices).append(...await devicesView(name, d));
    drawCharts(charts, await UI.api('GET', 'domain/' + encodeURIComponent(name) + '/stats'));
  };
  every(2000, refresh);
  return { refresh };
}

// ---- host
function hostPage() {
  const info = el('div'), dmesg = el('pre', { id: 'dmesg' }), log = el('pre', { id: 'xend-log' });
  UI.clear(main).append(el('h2', {}, 'Host'), info, el('h3', {}, 'xm dmesg'), dmesg, el('h3', {}, 'xend log'), log);
  const refresh = async () => {
    const n = await UI.api('GET', 'node');
    const pairs = Object.entries(n).filter(([, v]) => typeof v !== 'object')
      .map(([k, v]) => [k, /memory/.test(k) ? v + ' MiB' : /uptime/.test(k) ? UI.fmtSeconds(v) : v]);
    UI.clear(info).append(UI.kvTable(pairs));
    dmesg.textContent = (await UI.api('GET', 'dmesg')).lines.join('\n');
    log.textContent = (await UI.api('GET', 'log')).lines.join('\n');
  };
  every(5000, refresh);
  return { refresh };
}

// ---- create
function createPage() {
  const pick = el('select', { id: 'config-file' }, el('option', { value: '' }, '(paste below)'));
  const text = el('textarea', { id: 'config-text', spellcheck: 'false',
    placeholder: "name = 'demo-1'\nkernel = '/boot/vmlinuz'\nmemory = 128\n" });
  const vars = el('input', { type: 'text', id: 'config-vars', size: '30', placeholder: 'vmid=3' });
  const out = el('div', { id: 'create-result' });
  const go = el('button', { type: 'button', id: 'create' }, 'Create');
  go.disabled = !operator();
  UI.clear(main).append(el('h2', {}, 'Create a domain'),
    el('div', { class: 'actions' }, 'Config file:', pick, 'Variables:', vars, go), text, out);
  UI.api('GET', 'configs').then((c) => {
    for (const f of c.configs) pick.append(el('option', { value: f }, f));
    pick.title = 'from ' + c.dir;
  }).catch((e) => UI.say(e.message, 'error'));
  pick.addEventListener('change', async () => {
    if (!pick.value) return;
    try { text.value = (await UI.api('GET', 'config/' + encodeURIComponent(pick.value))).text; } catch (e) { UI.say(e.message, 'error'); }
  });
  text.addEventListener('input', () => { pick.value = ''; });
  go.addEventListener('click', async () => {
    UI.clear(out);
    const body = { vars: vars.value };
    if (pick.value) body.file = pick.value; else body.config = text.value;
    try {
      const r = await UI.api('POST', 'create', body);
      out.append(el('p', { class: 'ok' }, 'Started domain ', el('a', { href: UI.domHref(r.name) }, r.name), ' (id ' + r.domid + ')'));
      for (const w of r.warnings || []) out.append(el('p', { class: 'muted' }, 'Warning: ' + w));
    } catch (e) {
      out.append(el('p', { class: 'error', id: 'create-error' }, e.message));
      for (const w of (e.body && e.body.warnings) || []) out.append(el('p', { class: 'muted' }, 'Warning: ' + w));
    }
  });
  return {};
}

// ---- console
function consolePage(name) {
  const box = el('div', { class: 'term', id: 'term' });
  const status = el('p', { id: 'console-status', class: 'muted' }, 'Connecting...');
  const take = el('button', { type: 'button', id: 'take' }, 'Take over');
  take.disabled = !operator();
  UI.clear(main).append(el('h2', {}, 'Console of ', el('a', { href: UI.domHref(name) }, name)),
    el('div', { class: 'actions' }, take), status, box);
  openConsole = Console.open(box, name, (text, bad, st) => {
    status.textContent = text;
    status.className = bad ? 'error' : 'muted';
    take.disabled = !operator() || (st && (st.writer || st.closed));
  });
  take.addEventListener('click', () => { openConsole.take(); openConsole.term.focus(); });
  return {};
}

function route() {
  stopPage();
  UI.say('');
  const h = location.hash.slice(2).split('/');
  const arg = h[1] ? decodeURIComponent(h[1]) : '';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.id === 'nav-' + h[0]);
  if (h[0] === 'domain' && arg) page = domainPage(arg);
  else if (h[0] === 'console' && arg) page = consolePage(arg);
  else if (h[0] === 'host') page = hostPage();
  else if (h[0] === 'create') page = createPage();
  else page = domainsPage();
}

window.addEventListener('hashchange', () => { if (UI.role) route(); });
document.getElementById('logout').addEventListener('click', async () => {
  try { await UI.api('POST', 'logout'); } catch (e) { /* gone anyway */ }
  UI.role = '';
  showLogin('Logged out.');
});

// A login URL (#token=...) is used once and then taken out of the address bar.
(async () => {
  const m = location.hash.match(/^#token=([0-9a-f]+)$/);
  if (m) {
    history.replaceState(null, '', '/#/domains');
    try { await login(m[1]); } catch (e) { showLogin(e.message); }
    return;
  }
  try { await start(); } catch (e) { showLogin(e.status === 401 ? '' : e.message); }
})();
