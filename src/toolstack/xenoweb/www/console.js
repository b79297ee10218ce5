// A domain's serial console: xterm.js over xenoweb's WebSocket.
//
// The guest's output is hostile: sequences that make a terminal answer
// (device attributes, status and cursor reports, DECRQSS/XTGETTCAP
// requests, colour and title queries, window reports) would type that
// answer into the guest's input, and OSC 52 would write the clipboard.
// They are swallowed here before xterm.js can act on them, and the window
// title is never taken from the guest.
'use strict';

const Console = {};

function swallowQueries(term) {
  const p = term.parser, yes = () => true;
  for (const prefix of ['', '>', '=', '?']) {
    p.registerCsiHandler({ prefix, final: 'c' }, yes);        // DA1/DA2/DA3
    p.registerCsiHandler({ prefix, final: 'n' }, yes);        // DSR, CPR
    p.registerCsiHandler({ prefix, intermediates: '$', final: 'p' }, yes); // DECRQM
    p.registerCsiHandler({ prefix, final: 'q' }, yes);        // XTVERSION (> q)
    p.registerCsiHandler({ prefix, final: 'u' }, yes);        // keyboard protocol queries
  }
  p.registerCsiHandler({ final: 't' }, yes);                  // window ops and reports
  p.registerCsiHandler({ intermediates: '$', final: 'w' }, yes);  // DECRQPSR
  p.registerDcsHandler({ intermediates: '$', final: 'q' }, yes);  // DECRQSS
  p.registerDcsHandler({ intermediates: '+', final: 'q' }, yes);  // XTGETTCAP
  for (const osc of [0, 1, 2, 4, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 52,
                     104, 105, 110, 111, 112, 1337]) {
    p.registerOscHandler(osc, yes);                           // titles, colours, clipboard
  }
}

// Opens the console of dom in container; status(text) reports the state.
Console.open = function (container, dom, status) {
  const term = new Terminal({ convertEol: false, scrollback: 5000, cursorBlink: true,
                              fontSize: 14, cols: 100, rows: 28 });
  swallowQueries(term);
  term.open(container);
  const url = 'ws://' + location.host + '/api/console/' + encodeURIComponent(dom);
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const enc = new TextEncoder();
  const st = { writer: false, role: '', closed: false, takeButton: null };
  ws.onmessage = (ev) => {
    if (typeof ev.data !== 'string') {
      term.write(new Uint8Array(ev.data));
      return;
    }
    let m;
    try { m = JSON.parse(ev.data); } catch (e) { return; }
    if (m.type === 'error') { status('Error: ' + m.error, true); return; }
    if (m.type !== 'status') return;
    st.writer = m.writer;
    st.role = m.role;
    let s = m.writer ? 'You are typing into the console.' :
      m.role === 'viewer' ? 'Read-only (viewer role).' :
      m.has_writer ? 'Watching: another operator is typing. Take over to type.' :
      'Watching: nobody is typing. Take over to type.';
    s += ' Viewers: ' + m.viewers + '.';
    if (m.dropped) s += ' ' + m.dropped + ' bytes of output were dropped (the browser was too slow).';
    if (m.closed) s = 'The console has closed (the domain is gone, or xm console took it: reload to take it back).';
    status(s, false, st);
  };
  ws.onclose = (ev) => {
    st.closed = true;
    status('Console disconnected' + (ev.reason ? ': ' + ev.reason : '') + '.', ev.code !== 1000, st);
  };
  term.onData((d) => {
    if (st.writer && ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d));
  });
  term.onBinary((d) => {
    if (!st.writer || ws.readyState !== WebSocket.OPEN) return;
    const b = new Uint8Array(d.length);
    for (let i = 0; i < d.length; i++) b[i] = d.charCodeAt(i) & 0xff;
    ws.send(b);
  });
  term.focus();
  return {
    term,
    take() { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'take' })); },
    release() { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'release' })); },
    close() { ws.close(1000); term.dispose(); },
    state: st,
  };
};
