// Write a run's outputs into its directory: results.json (every raw figure),
// summary.md, report.html, and each chart as SVG and PNG under charts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../results.js';
import { buildCharts, renderChart, type RenderedChart } from './charts.js';
import { summaryMarkdown } from './summary.js';
import { reportHtml } from './html.js';

export interface WrittenReport {
  dir: string;
  files: string[];
  summary: string;
  charts: RenderedChart[];
}

export async function writeReport(res: Results, dir: string): Promise<WrittenReport> {
  mkdirSync(path.join(dir, 'charts'), { recursive: true });
  const files: string[] = [];
  const write = (name: string, data: string | Buffer) => {
    const p = path.join(dir, name);
    writeFileSync(p, data);
    files.push(p);
  };
  write('results.json', JSON.stringify(res, null, 2) + '\n');
  const charts: RenderedChart[] = [];
  for (const c of buildCharts(res)) {
    const r = await renderChart(c);
    charts.push(r);
    write(`charts/${c.name}.svg`, r.svg);
    write(`charts/${c.name}.png`, r.png);
  }
  const summary = summaryMarkdown(res);
  write('summary.md', summary);
  write('report.html', reportHtml(res, charts));
  return { dir, files, summary, charts };
}
