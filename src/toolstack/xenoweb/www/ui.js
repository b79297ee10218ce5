// Helpers of the xeno web console.  Every string from xend or a guest is
// put on the page as text (textContent / createTextNode), never as HTML.
'use strict';

const UI = { csrf: '', role: '' };

// A call to xenoweb's API; rejects with xend's error text.
UI.api = async function (method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
  if (method === 'POST') {
    opt.headers['Content-Type'] = 'application/json';
    opt.headers['X-CSRF-Token'] = UI.csrf;
    opt.body = JSON.stringify(body || {});
  }
  const r = await fetch('/api/' + path, opt);
  let j = {};
  try { j = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const e = new Error(j.error || ('HTTP ' + r.status));
    e.status = r.status;
    e.body = j;
    throw e;
  }
  return j;
};

// el('td', {class: 'num'}, 'text', child, ...)
UI.el = function (tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const kid of kids) {
    if (kid === null || kid === undefined) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
};

UI.clear = function (e) { while (e.firstChild) e.firstChild.remove(); return e; };

UI.say = function (text, kind) {
  const m = document.getElementById('msg');
  m.textContent = text || '';
  m.className = kind || '';
};

UI.domHref = function (name) { return '#/domain/' + encodeURIComponent(name); };

UI.kvTable = function (pairs) {
  const t = UI.el('table', { class: 'kv' });
  for (const [k, v] of pairs) t.append(UI.el('tr', {}, UI.el('th', {}, k), UI.el('td', {}, v)));
  return t;
};

UI.fmtSeconds = function (s) {
  s = Math.floor(s || 0);
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60);
  return (d ? d + 'd ' : '') + String(h).padStart(2, '0') + ':' +
         String(m).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
};

UI.fmtBytes = function (b) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i ? b.toFixed(1) : b) + ' ' + u[i];
};

function scaleCanvas(c) {
  const r = window.devicePixelRatio || 1, w = c.clientWidth, h = c.clientHeight;
  if (c.width !== w * r || c.height !== h * r) { c.width = w * r; c.height = h * r; }
  const g = c.getContext('2d');
  g.setTransform(r, 0, 0, r, 0, 0);
  g.clearRect(0, 0, w, h);
  return { g, w, h };
}

// A sparkline of values (CPU %), scaled to max(100, the largest value).
UI.sparkline = function (canvas, values) {
  const { g, w, h } = scaleCanvas(canvas);
  if (!values || values.length < 2) return;
  const top = Math.max(100, ...values);
  g.strokeStyle = '#2f5fb3';
  g.lineWidth = 1.5;
  g.beginPath();
  values.forEach((v, i) => {
    const x = i * (w - 2) / (values.length - 1) + 1, y = h - 1 - v / top * (h - 2);
    if (i) g.lineTo(x, y); else g.moveTo(x, y);
  });
  g.stroke();
};

// A line chart: xs (seconds, <= 0), ys; label and unit drawn on it.
UI.chart = function (canvas, xs, ys, label, fmt) {
  const { g, w, h } = scaleCanvas(canvas);
  const pad = 28, top = Math.max(1, ...ys) * 1.1, span = Math.max(60, -Math.min(0, ...xs));
  g.fillStyle = '#667085';
  g.font = '11px sans-serif';
  g.fillText(label + (ys.length ? ': ' + fmt(ys[ys.length - 1]) : ': no samples yet'), pad, 12);
  g.textAlign = 'right';
  g.fillText('top ' + fmt(top), w - 6, 12);
  g.textAlign = 'left';
  g.fillText('-' + Math.round(span) + ' s', pad, h - 4);
  g.fillText('now', w - 24, h - 4);
  g.strokeStyle = '#d8dde6';
  g.strokeRect(pad, pad - 10, w - pad - 4, h - pad - 6);
  if (ys.length < 2) return;
  g.strokeStyle = '#2f5fb3';
  g.lineWidth = 1.5;
  g.beginPath();
  ys.forEach((v, i) => {
    const x = pad + (1 + xs[i] / span) * (w - pad - 4);
    const y = h - 16 - v / top * (h - pad - 6);
    if (i) g.lineTo(x, y); else g.moveTo(x, y);
  });
  g.stroke();
};
