// report.html: one self-contained page (charts inlined as SVG, no scripts,
// no network), with the claims and their computed verdicts first.
import type { Results } from '../results.js';
import type { RenderedChart } from './charts.js';
import { summaryTables, notRunLines, methodNote, loadNote, type Table } from './summary.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const VERDICT_CLASS: Record<string, string> = { supports: 'ok', contradicts: 'bad', mixed: 'mid', inconclusive: 'na', 'not measured': 'na' };

function tableHtml(t: Table): string {
  return `${t.caption ? `<p>${esc(t.caption)}</p>` : ''}<div class="scroll"><table>
<thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table></div>`;
}

export function reportHtml(res: Results, charts: RenderedChart[]): string {
  const m = res.machine;
  const verdicts = res.verdicts
    .map(
      (v) => `<li class="claim">
  <span class="verdict ${VERDICT_CLASS[v.verdict] ?? 'na'}">${esc(v.verdict)}</span>
  <blockquote>${esc(v.quote)}<cite>${esc(v.section)}</cite></blockquote>
  <p>${esc(v.sentence)}</p>
  <p class="scen">scenarios: ${v.scenarios.map((s) => `<code>${esc(s)}</code>`).join(', ')}</p>
</li>`,
    )
    .join('\n');
  const general = charts.filter((c) => !c.name.startsWith('model-'));
  const perModel = charts.filter((c) => c.name.startsWith('model-'));
  const figure = (c: RenderedChart) => `<figure class="chart" id="chart-${esc(c.name)}">
  ${c.svg}
  <figcaption>${esc(c.caption)} <a href="charts/${esc(c.name)}.svg">SVG</a> · <a href="charts/${esc(c.name)}.png">PNG</a></figcaption>
</figure>`;
  // The same tables as summary.md.
  const tables = [...summaryTables(res).map(tableHtml), ...notRunLines(res).map((l) => `<p>${esc(l)}</p>`), `<p class="meta">${esc(methodNote(res))}</p>`].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fourfold bench — ${esc(new Date(res.startedAt).toISOString())}</title>
<style>
  body { font: 15px/1.5 system-ui, 'DejaVu Sans', sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
  h1 { margin-bottom: .2rem; } .meta { color: #555; margin-top: 0; }
  code { background: #f3f3f3; padding: 0 .25em; border-radius: 3px; }
  ul.claims { list-style: none; padding: 0; }
  li.claim { border: 1px solid #ddd; border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; }
  blockquote { margin: .3rem 0; padding-left: .8rem; border-left: 3px solid #bbb; color: #444; font-style: italic; }
  cite { display: block; font-style: normal; font-size: .85em; color: #777; }
  .verdict { font-weight: bold; text-transform: uppercase; font-size: .8em; padding: .1em .5em; border-radius: 3px; color: white; }
  .ok { background: #2e7d32; } .bad { background: #c62828; } .mid { background: #ef8f00; } .na { background: #777; }
  .scen { font-size: .85em; color: #666; margin: 0; }
  figure.chart { margin: 1.5rem 0; overflow-x: auto; } figure.chart svg { display: block; }
  figcaption { font-size: .9em; color: #555; }
  table { border-collapse: collapse; font-size: 13px; margin: 1rem 0; } th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; white-space: nowrap; } th { background: #f5f5f5; }
  td:first-child, td:nth-child(2) { text-align: left; }
  .scroll { overflow-x: auto; }
  .models { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 0 1rem; }
</style>
</head>
<body>
<h1>fourfold bench</h1>
<p class="meta">${esc(m.cpuModel)}, ${m.cores} cores, Linux ${esc(m.kernel)}, Node ${esc(m.node)} · client ${esc(res.client.version)} · ${esc(res.pinning.description)} · ${res.options.durationMs as number / 1000} s per measurement · ${res.wallSeconds.toFixed(0)} s in all<br>
<code>${esc(res.command)}</code><br>${esc(loadNote(res))}</p>

<h2>The lecture's claims, judged by these figures</h2>
<ul class="claims">
${verdicts}
</ul>

<h2>Charts</h2>
${general.map(figure).join('\n')}

<h2>Figures</h2>
${tables}

<h2>Per server</h2>
<div class="models">
${perModel.map(figure).join('\n')}
</div>

<h2>Servers</h2>
<ul>
${res.targets.map((t) => `<li><code>${esc(t.id)}</code> — ${esc(t.summary)}${t.error ? ` — <strong>did not start:</strong> ${esc(t.error.split('\n')[0]!)}` : ''}</li>`).join('\n')}
${res.notMeasured.map((n) => `<li><code>${esc(n.id)}</code> — ${esc(n.summary)} — <em>not measured: ${esc(n.reason)}</em></li>`).join('\n')}
</ul>
<p class="meta">Raw figures: <a href="results.json">results.json</a> · <a href="summary.md">summary.md</a></p>
</body>
</html>
`;
}
