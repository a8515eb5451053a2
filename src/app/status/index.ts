// The status page in its three forms, from one snapshot (types.ts): an HTML
// dashboard that updates itself, the snapshot as JSON, and the Prometheus
// text exposition format, so the server can be scraped like any other.
// Nothing here knows the scoreboard: it renders what it is given.
import type { StatusSnapshot } from './types.js';
import { prometheusText, PROMETHEUS_TYPE } from './prometheus.js';
import { statusPage } from './page.js';

export type { StatusSnapshot } from './types.js';

export const FORMATS = ['html', 'json', 'prometheus'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * The form asked for: ?format= first; else the Accept header (a Prometheus
 * scraper asks for text/plain;version=0.0.4 or OpenMetrics, a script for
 * application/json); else HTML. Null for an unknown ?format=.
 */
export function chooseFormat(param: string | null, accept: string | undefined): Format | null {
  if (param !== null && param !== '') return (FORMATS as readonly string[]).includes(param) ? (param as Format) : null;
  const a = (accept ?? '').toLowerCase();
  if (a.includes('text/html')) return 'html';
  if (a.includes('application/json')) return 'json';
  if (a.includes('application/openmetrics-text') || /text\/plain\s*;\s*version\s*=\s*0\.0\.4/.test(a)) return 'prometheus';
  return 'html';
}

export interface RenderOptions {
  /** Where the page is served (its polls fetch path?format=json). */
  path: string;
}

export function renderStatus(snapshot: StatusSnapshot, format: Format, options: RenderOptions): { type: string; body: string } {
  if (format === 'json') return { type: 'application/json; charset=utf-8', body: JSON.stringify(snapshot) };
  if (format === 'prometheus') return { type: PROMETHEUS_TYPE, body: prometheusText(snapshot) };
  return { type: 'text/html; charset=utf-8', body: statusPage(snapshot, options.path) };
}
