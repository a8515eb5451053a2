// Two small enhancements; the page reads fine without them.
'use strict';

// Models as tabs (WAI-ARIA tabs pattern). Without JavaScript every panel
// stays visible, one after another.
(function tabs() {
  const list = document.querySelector('[role=tablist]');
  if (!list) return;
  const tabs = [...list.querySelectorAll('[role=tab]')];
  const panelOf = (tab) => document.getElementById(tab.getAttribute('aria-controls'));

  function select(tab, focus) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      panelOf(t).hidden = !on;
    }
    if (focus) tab.focus();
  }

  list.addEventListener('click', (e) => {
    const tab = e.target.closest('[role=tab]');
    if (!tab) return;
    select(tab, false);
    history.replaceState(null, '', '#' + tab.getAttribute('aria-controls'));
  });
  list.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length], true);
  });

  // A link like #model-event-loop opens that model.
  const fromHash = () => tabs.find((t) => '#' + t.getAttribute('aria-controls') === location.hash);
  window.addEventListener('hashchange', () => { const t = fromHash(); if (t) select(t, false); });
  select(fromHash() || tabs[0], false);
  list.hidden = false;
})();

// Ask the server for a small file and show the response as received.
(function liveCheck() {
  const button = document.getElementById('ask');
  const out = document.getElementById('answer');
  if (!button || !out) return;
  let count = 0;

  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  button.addEventListener('click', async () => {
    button.disabled = true;
    const started = performance.now();
    try {
      const res = await fetch('hello.txt', { cache: 'no-store' });
      const body = await res.text();
      const ms = performance.now() - started;
      count += 1;

      const pre = el('pre');
      pre.append(el('span', res.ok ? 'st' : 'st bad', `HTTP/1.1 ${res.status} ${res.statusText}`), '\n');
      for (const [name, value] of res.headers) {
        pre.append(el('span', 'hn', name + ':'), ` ${value}\n`);
      }
      pre.append('\n', body);
      const meta = el('p', 'meta', `Request ${count} · answered in ${ms.toFixed(1)} ms · headers as fetch() reports them (lower-cased, sorted)`);
      out.replaceChildren(pre, meta);
    } catch (err) {
      out.replaceChildren(el('p', 'meta bad', `No answer: ${err.message}. Is the server still running?`));
    } finally {
      button.disabled = false;
    }
  });
})();
