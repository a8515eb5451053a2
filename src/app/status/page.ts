// The status page as HTML: one self-contained document (its style and script
// inline, no other request — an iterative server serves one connection at a
// time, and every extra request would wait its turn). The script draws the
// snapshot it was served with, then polls the JSON form once a second and
// draws again: a plain short request, the same in every model.
//
// Why polling and not Server-Sent Events: an SSE stream is a response that
// never ends. In a blocking model it holds a worker for as long as the page
// is open — the iterative server's only one, one of a prefork or threadpool
// pool's N — and an event loop would need a streaming path just for this.
// A poll is an ordinary request: it costs one exchange per second anywhere.
//
// What it draws, all from the data, in plain SVG (no chart library: these
// are diagrams): the requests of the last minute as bars, the scoreboard as
// one cell per worker in the manner of Apache's mod_status, and the system
// calls of one worker's most recent request as a sequence — the lecture's
// socket → bind → listen → accept → recv → send → close, as this model
// really makes them.
import type { StatusSnapshot } from './types.js';

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function statusPage(snapshot: StatusSnapshot, path: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fourfold status — ${escapeHtml(snapshot.model.name)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>fourfold <span class="dim">server status</span></h1>
  <p id="model-line"><strong id="model">${escapeHtml(snapshot.model.name)}</strong> <span id="summary">${escapeHtml(snapshot.model.summary)}</span></p>
  <p class="dim" id="meta"></p>
  <p class="dim">Other forms: <a href="${escapeHtml(path)}?format=json">JSON</a> · <a href="${escapeHtml(path)}?format=prometheus">Prometheus</a> · updated every second (<span id="updated">…</span>)</p>
</header>
<section class="cards" id="cards"></section>
<section>
  <h2>Requests per second, last minute</h2>
  <div id="history"></div>
</section>
<section>
  <h2>Scoreboard <span class="dim" id="board-note"></span></h2>
  <div id="master"></div>
  <div id="scoreboard"></div>
  <p class="legend" id="legend"></p>
</section>
<section>
  <h2>System calls of the most recent request <span class="dim">(not this page's own)</span> <span class="dim" id="trace-note"></span></h2>
  <p class="dim">Worker: <select id="worker"><option value="">the latest to answer</option></select> <span id="recording"></span></p>
  <div id="trace"></div>
</section>
<section>
  <h2>System calls by name <span class="dim">(through fourfold's sys layer; Node's own, libuv's and fs's, are not counted)</span></h2>
  <table id="syscalls"><thead><tr><th>call</th><th>total</th><th>per request</th></tr></thead><tbody></tbody></table>
</section>
<noscript><p>This page draws itself with JavaScript; without it, read <a href="${escapeHtml(path)}?format=json">the JSON form</a>.</p></noscript>
<script id="initial" type="application/json">${scriptJson(snapshot)}</script>
<script>var STATUS_PATH = ${scriptJson(path)};</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
:root { --fg: #1d232a; --dim: #6b7785; --line: #d8dee4; --bg: #fff; --card: #f6f8fa;
  --accept: #e8912d; --read: #2f81f7; --handle: #8957e5; --write: #1a7f37; --keep: #0a9396; --close: #cf222e; --start: #9a6700; --idle: #8c959f; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 16px 24px 48px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0; } h2 { font-size: 16px; margin: 28px 0 8px; }
.dim { color: var(--dim); font-weight: normal; }
header p { margin: 4px 0; }
#model { font-size: 18px; }
a { color: #0969da; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin-top: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--dim); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .sub { color: var(--dim); font-size: 12px; font-variant-numeric: tabular-nums; }
#scoreboard { display: flex; flex-wrap: wrap; gap: 6px; }
.cell { border: 1px solid var(--line); border-radius: 6px; padding: 4px 6px; min-width: 74px; background: #fff; cursor: pointer; font-variant-numeric: tabular-nums; }
.cell .letter { font: 700 16px ui-monospace, monospace; }
.cell .small { font-size: 11px; color: var(--dim); white-space: nowrap; }
.cell.free { cursor: default; opacity: .45; }
.cell.compact { min-width: 0; width: 22px; height: 22px; padding: 0; text-align: center; line-height: 20px; }
.cell.compact .letter { font-size: 12px; }
.cell.chosen { outline: 2px solid #0969da; }
.cell.loop { min-width: 210px; }
.s-starting { border-color: var(--start); } .s-starting .letter { color: var(--start); }
.s-accepting, .s-idle { border-color: var(--accept); } .s-accepting .letter, .s-idle .letter { color: var(--accept); }
.s-reading { border-color: var(--read); background: #eef5ff; } .s-reading .letter { color: var(--read); }
.s-handling { border-color: var(--handle); background: #f5f0ff; } .s-handling .letter { color: var(--handle); }
.s-writing { border-color: var(--write); background: #eefbf0; } .s-writing .letter { color: var(--write); }
.s-keep-alive { border-color: var(--keep); background: #eefafa; } .s-keep-alive .letter { color: var(--keep); }
.s-closing { border-color: var(--close); } .s-closing .letter { color: var(--close); }
.s-stopped .letter { color: var(--idle); }
#master { margin-bottom: 8px; display: flex; }
.legend { color: var(--dim); font-size: 12px; }
.legend b { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 2px 12px 2px 0; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; font-family: ui-monospace, monospace; }
#trace svg text { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
#trace svg .caption { font: 600 12px system-ui, sans-serif; fill: var(--dim); }
#trace svg .why { font: 12px system-ui, sans-serif; fill: var(--dim); }
.offline { color: var(--close); }
`;

// The page's script. Plain ES2017, no build step; it must not use template
// literals (it lives in one).
const SCRIPT = String.raw`
(function () {
  'use strict';
  var snap = JSON.parse(document.getElementById('initial').textContent);
  var chosen = '';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var LETTERS = { starting: 'S', idle: '_', accepting: '_', reading: 'R', handling: 'H', writing: 'W', 'keep-alive': 'K', closing: 'C', stopped: '.' };
  var WHY = {
    socket: 'a new socket', bind: 'give it the address and port', listen: 'accept connections on it',
    setsockopt: 'set an option', getsockopt: 'read an option', getsockname: 'which address did we get?',
    fcntl: 'descriptor flags (non-blocking)', epoll_create1: 'a new epoll instance', epoll_ctl: 'watch, change or forget a socket',
    epoll_wait: 'which sockets are ready?', poll: 'wait until a socket is ready', select: 'wait until a socket is ready',
    accept4: 'take a connection from the backlog', getpeername: 'who is the client?', recv: 'read request bytes',
    send: 'send the response', sendmsg: 'send head and body in one call', sendfile: 'file to socket, in the kernel',
    shutdown: 'no more from us (FIN)', close: 'release the descriptor', spawn: 'start a new process for it',
    thread: 'start a new thread for it', prctl: 'tie the worker to its master', getppid: 'is the master still there?',
    mmap: 'map the shared scoreboard', memfd_create: 'shared memory', ftruncate: 'size it', connect: 'connect'
  };
  var COLORS = { wait: '#e8912d', io: '#1a7f37', read: '#2f81f7', setup: '#57606a', end: '#cf222e', note: '#8957e5', other: '#8c959f' };

  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function num(n) {
    if (n === null || n === undefined) return '–';
    if (n !== 0 && Math.abs(n) < 0.1) return n.toPrecision(2);
    return (Math.round(n * 10) / 10).toLocaleString('en');
  }
  function int(n) { return Math.round(n).toLocaleString('en'); }
  function bytes(n) {
    var u = ['B', 'KB', 'MB', 'GB', 'TB']; var i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? int(n) : num(n)) + ' ' + u[i];
  }
  function duration(s) {
    s = Math.floor(s);
    var d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + (s % 60) + 's';
  }
  function card(label, value, sub, id) {
    return '<div class="card"' + (id ? ' id="' + id + '"' : '') + '><div class="label">' + esc(label) + '</div><div class="value">' + value + '</div>' + (sub ? '<div class="sub">' + sub + '</div>' : '') + '</div>';
  }
  function el(name, attrs, text) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function drawHeader(s) {
    var m = s.model;
    var workers = m.workersAre === 'this process' ? 'serves in this process' : m.perConnection ? 'up to ' + m.workers + ' ' + m.workersAre + ', one per connection' : m.workers + ' ' + m.workersAre;
    $('meta').textContent = 'pid ' + s.pid + (s.pids.length > 1 ? ' (pids ' + s.pids.join(', ') + ')' : '') + ' · ' + workers +
      (m.poller ? ' · poller ' + m.poller : '') + ' · up ' + duration(s.uptimeSeconds) + ' · fourfold ' + s.server.version +
      ' · this answer came from slot ' + s.servedBy.slot + ' (pid ' + s.servedBy.pid + (s.servedBy.threadId ? ', thread ' + s.servedBy.threadId : '') + ')';
    $('updated').textContent = new Date(s.now).toLocaleTimeString();
    $('updated').className = '';
  }

  function drawCards(s) {
    var c = s.connections, r = s.responses, p = s.requests.perSecond;
    $('cards').innerHTML =
      card('Requests', '<span id="requests-total">' + int(s.requests.total) + '</span>', int(s.errors) + ' errors') +
      card('Requests / s', '<span id="rps">' + num(p.last1s) + '</span>', 'last 10 s: ' + num(p.last10s) + ' · 60 s: ' + num(p.last60s)) +
      card('Connections now', '<span id="open">' + int(c.open) + '</span>', 'reading ' + int(c.reading) + ' · handling ' + int(c.handling) + ' · writing ' + int(c.writing) + ' · keep-alive ' + int(c.keepAlive) + (c.closing ? ' · closing ' + int(c.closing) : '')) +
      card('Accepted', '<span id="accepted">' + int(c.accepted) + '</span>', 'connections since the start') +
      card('Bytes', bytes(s.bytes.out) + ' <span class="dim">out</span>', bytes(s.bytes.in) + ' in') +
      card('Responses', int(r['2xx']) + ' <span class="dim">2xx</span>', '1xx ' + int(r['1xx']) + ' · 3xx ' + int(r['3xx']) + ' · 4xx ' + int(r['4xx']) + ' · 5xx ' + int(r['5xx'])) +
      card('System calls / request', '<span id="syscalls-per-request">' + num(s.syscalls.perRequest) + '</span>', int(s.syscalls.total) + ' in all');
  }

  function drawHistory(s) {
    var data = s.requests.lastMinute, w = 720, h = 80, bw = w / data.length;
    var max = Math.max.apply(null, data.concat([1]));
    var svg = el('svg', { width: w, height: h + 18, viewBox: '0 0 ' + w + ' ' + (h + 18), role: 'img', 'aria-label': 'requests per second over the last minute' });
    svg.appendChild(el('line', { x1: 0, y1: h + 0.5, x2: w, y2: h + 0.5, stroke: '#d8dee4' }));
    data.forEach(function (v, i) {
      var bh = Math.round(v / max * (h - 4));
      var rect = el('rect', { x: i * bw + 1, y: h - bh, width: bw - 2, height: bh, fill: '#2f81f7', rx: 1 });
      rect.appendChild(el('title', {}, v + ' requests, ' + (60 - i) + ' s ago'));
      svg.appendChild(rect);
    });
    svg.appendChild(el('text', { x: 0, y: h + 14, fill: '#6b7785', 'font-size': 11 }, '60 s ago'));
    svg.appendChild(el('text', { x: w, y: h + 14, fill: '#6b7785', 'font-size': 11, 'text-anchor': 'end' }, 'now · peak ' + int(max) + '/s'));
    $('history').replaceChildren(svg);
  }

  function cellHtml(w, compact) {
    var o = w.open;
    var title = 'slot ' + w.slot + ' · ' + w.kind + (w.pid ? ' pid ' + w.pid : '') + (w.threadId ? ' thread ' + w.threadId : '') + ' · ' + w.state + ' · ' + int(w.requests) + ' requests, ' + int(w.connections) + ' connections, ' + int(w.syscalls) + ' system calls';
    var cls = 'cell used s-' + w.state + (compact ? ' compact' : '') + (w.loop ? ' loop' : '') + (String(w.slot) === chosen ? ' chosen' : '');
    var inner;
    if (compact) inner = '<span class="letter">' + LETTERS[w.state] + '</span>';
    else if (w.loop) inner = '<span class="letter">' + LETTERS[w.state] + '</span> <b>' + (w.role === 'master' ? 'master' : 'loop ' + w.slot) + '</b> <span class="small">' + w.state + '</span>' +
      '<div class="small">' + int(o.open) + ' connections: R ' + int(o.reading) + ' · H ' + int(o.handling) + ' · W ' + int(o.writing) + ' · K ' + int(o.keepAlive) + (o.closing ? ' · C ' + int(o.closing) : '') + '</div>' +
      '<div class="small">' + int(w.requests) + ' requests · pid ' + w.pid + '</div>';
    else inner = '<span class="letter">' + LETTERS[w.state] + '</span> <span class="small">' + (w.role === 'master' ? 'master' : '#' + w.slot) + '</span>' +
      '<div class="small">' + w.state + '</div><div class="small">' + int(w.requests) + ' req</div>';
    return '<div class="' + cls + '" data-slot="' + w.slot + '" title="' + esc(title) + '">' + inner + '</div>';
  }

  function drawScoreboard(s) {
    var ws = s.scoreboard.workers, slots = s.scoreboard.slots;
    var pooled = slots > 1;
    var bySlot = {};
    ws.forEach(function (w) { bySlot[w.slot] = w; });
    var first = pooled ? 1 : 0;
    var compact = slots - first > 32;
    var html = '';
    for (var i = first; i < slots; i++) {
      var w = bySlot[i];
      html += w ? cellHtml(w, compact) : '<div class="cell free' + (compact ? ' compact' : '') + '" title="slot ' + i + ': never used yet"><span class="letter">.</span>' + (compact ? '' : '<div class="small">#' + i + '</div><div class="small">open slot</div>') + '</div>';
    }
    $('scoreboard').innerHTML = html;
    $('master').innerHTML = pooled && bySlot[0] ? cellHtml(bySlot[0], false) : '';
    var m = s.model;
    var n = slots - first;
    $('board-note').textContent = m.workersAre === 'this process'
      ? (m.name === 'event-loop' ? '— one loop holds every connection' : '— one worker, one connection at a time')
      : m.perConnection ? '— the master, and ' + n + ' slots: one new ' + (m.workersAre === 'threads' ? 'thread' : 'process') + ' per connection'
      : '— the master, and ' + n + ' ' + m.workersAre + (m.name === 'event-loop' ? ', each a loop with many connections' : ', each one connection at a time');
    $('legend').innerHTML = '<b>_</b> waiting for a connection · <b>S</b> starting · <b>R</b> reading · <b>H</b> handling (the app) · <b>W</b> writing · <b>K</b> keep-alive (idle) · <b>C</b> closing · <b>.</b> open slot / stopped';
    var select = $('worker');
    var have = {};
    for (var k = 1; k < select.options.length; k++) have[select.options[k].value] = true;
    ws.forEach(function (w) {
      if (w.role === 'master' || have[w.slot]) return;
      var o = document.createElement('option');
      o.value = String(w.slot);
      o.textContent = 'slot ' + w.slot + ' (' + w.kind + ' ' + (w.kind === 'thread' ? w.threadId : w.pid) + ')';
      select.appendChild(o);
    });
  }

  function category(call) {
    if (call === 'epoll_wait' || call === 'poll' || call === 'select' || call === 'accept4') return 'wait';
    if (call === 'recv') return 'read';
    if (call === 'send' || call === 'sendmsg' || call === 'sendfile') return 'io';
    if (call === 'close' || call === 'shutdown') return 'end';
    if (call === 'spawn' || call === 'thread') return 'note';
    if (call === 'socket' || call === 'bind' || call === 'listen' || call === 'setsockopt' || call === 'epoll_ctl' || call === 'epoll_create1' || call === 'fcntl' || call === 'getsockname' || call === 'getpeername') return 'setup';
    return 'other';
  }
  function label(st) {
    if (st.call === 'spawn' || st.call === 'thread') return st.call + ' → slot ' + st.result;
    var r = st.error ? '-1 ' + st.error : String(st.result);
    return st.call + '(' + (st.fd === null ? '' : st.fd) + ') = ' + r;
  }

  function drawTrace(s) {
    var t = s.trace, box = $('trace');
    $('recording').textContent = s.recording ? '· recording while this page is open' : '';
    if (!t) {
      box.innerHTML = '<p class="dim">No request recorded yet: the workers record their system calls while this page is open. Send a request (or reload), and it appears here.</p>';
      $('trace-note').textContent = '';
      return;
    }
    $('trace-note').textContent = '— slot ' + t.slot + ', ' + (t.threadId ? 'thread ' + t.threadId + ' of ' : '') + 'pid ' + t.pid + ', connection fd ' + t.fd + ', ' + new Date(t.at).toLocaleTimeString();
    var two = t.master.length > 0 || t.masterSetup.length > 0;
    var LANE = 250, ROW = 24, X0 = 8, WHYX = X0 + (two ? 2 : 1) * LANE + 16;
    var rows = [];
    function section(title) { rows.push({ caption: title }); }
    function add(steps) { steps.forEach(function (st) { rows.push(st); }); }
    if (t.masterSetup.length) { section('master: set-up, once'); add(t.masterSetup.slice(0, 12)); }
    if (t.setup.length) { section((two ? 'worker' : 'server') + ': set-up, once'); add(t.setup.slice(0, 12)); }
    if (t.master.length) { section('the master accepted this connection and handed it over'); add(t.master); }
    section('the request' + (t.lost ? ' (' + t.lost + ' earlier calls already overwritten)' : ''));
    add(t.calls.slice(0, 80));
    if (t.calls.length > 80) rows.push({ skipped: t.calls.length - 80, by: 'worker', more: true });
    var width = WHYX + 230, height = rows.length * ROW + 30;
    var svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'system calls of the most recent request' });
    if (two) {
      svg.appendChild(el('text', { x: X0 + LANE / 2, y: 14, 'text-anchor': 'middle', 'class': 'caption' }, 'master'));
      svg.appendChild(el('text', { x: X0 + LANE * 1.5, y: 14, 'text-anchor': 'middle', 'class': 'caption' }, 'worker (slot ' + t.slot + ')'));
    }
    var y = 26, prev = null;
    rows.forEach(function (st) {
      if (st.caption) {
        svg.appendChild(el('text', { x: X0, y: y + 15, 'class': 'caption' }, st.caption));
        prev = null;
        y += ROW;
        return;
      }
      var lane = two && st.by === 'worker' ? 1 : 0;
      var x = X0 + lane * LANE + 10, w = LANE - 20;
      if ('skipped' in st) {
        svg.appendChild(el('text', { x: x + 8, y: y + 15, fill: '#6b7785' }, '⋯ ' + st.skipped + (st.more ? ' more steps' : ' calls for other connections')));
        prev = { x: x + w / 2, y: y + ROW - 4 };
        y += ROW;
        return;
      }
      var color = COLORS[category(st.call)];
      if (prev) svg.appendChild(el('line', { x1: prev.x, y1: prev.y, x2: x + w / 2, y2: y + 2, stroke: '#c4cbd3', 'stroke-width': 1.5 }));
      var r = el('rect', { x: x, y: y + 2, width: w, height: ROW - 6, rx: 5, fill: st.error ? '#fff' : color, 'fill-opacity': st.error ? 1 : 0.14, stroke: color, 'stroke-dasharray': st.error ? '3 2' : '' });
      svg.appendChild(r);
      svg.appendChild(el('text', { x: x + 8, y: y + 16, fill: '#1d232a' }, label(st)));
      var why = WHY[st.call];
      if (st.call === 'recv' && st.result === 0) why = 'the client closed the connection';
      else if (st.call === 'recv' && st.error === 'EAGAIN') why = 'nothing to read (yet)';
      else if (st.call === 'accept4' && st.error === 'EAGAIN') why = 'no connection waiting';
      else if (st.call === 'epoll_wait' && !st.error) why = st.result + ' ready';
      if (why) svg.appendChild(el('text', { x: WHYX, y: y + 16, 'class': 'why' }, why));
      prev = { x: x + w / 2, y: y + ROW - 4 };
      y += ROW;
    });
    box.replaceChildren(svg);
  }

  function drawSyscalls(s) {
    var rows = Object.keys(s.syscalls.byName).map(function (k) { return [k, s.syscalls.byName[k]]; })
      .filter(function (r) { return r[1] > 0; }).sort(function (a, b) { return b[1] - a[1]; });
    var per = s.syscalls.perRequestByName || {};
    $('syscalls').tBodies[0].innerHTML = rows.map(function (r) {
      return '<tr><td>' + esc(r[0]) + '</td><td>' + int(r[1]) + '</td><td>' + (per[r[0]] === undefined ? '–' : num(per[r[0]])) + '</td></tr>';
    }).join('');
  }

  function draw(s) {
    snap = s;
    drawHeader(s); drawCards(s); drawHistory(s); drawScoreboard(s); drawTrace(s); drawSyscalls(s);
  }

  function poll() {
    var url = STATUS_PATH + '?format=json&watch=1' + (chosen ? '&worker=' + encodeURIComponent(chosen) : '');
    fetch(url, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(draw, function (e) {
      $('updated').textContent = 'server not answering (' + e.message + ')';
      $('updated').className = 'offline';
    }).then(function () { setTimeout(poll, 1000); });
  }

  $('worker').addEventListener('change', function (e) { chosen = e.target.value; draw(snap); });
  $('scoreboard').addEventListener('click', function (e) {
    var c = e.target.closest ? e.target.closest('.cell.used') : null;
    if (!c) return;
    chosen = c.getAttribute('data-slot');
    $('worker').value = chosen;
    if ($('worker').value !== chosen) chosen = '';
  });
  draw(snap);
  setTimeout(poll, 1000);
})();
`;
