// The snapshot in Prometheus's text exposition format (version 0.0.4): one
// `# HELP` and `# TYPE` line per metric family, then its samples. Counters end
// in _total; a counter summed over the scoreboard's rows keeps growing across
// worker restarts, as a counter must (a slot keeps its totals).
import type { StatusSnapshot } from './types.js';

export const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string | number>;

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: [Labels, number][]): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${labelText(labels)} ${numberText(value)}`);
  }

  one(name: string, type: 'counter' | 'gauge', help: string, value: number): void {
    this.family(name, type, help, [[{}, value]]);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function prometheusText(s: StatusSnapshot): string {
  const e = new Exposition();
  e.family('fourfold_info', 'gauge', 'The server: its version and concurrency model (always 1).', [
    [{ version: s.server.version, model: s.model.name, poller: s.model.poller ?? '', workers_are: s.model.workersAre }, 1],
  ]);
  e.one('fourfold_start_time_seconds', 'gauge', 'When the server started, in seconds since the epoch.', s.startedAt / 1000);
  e.one('fourfold_uptime_seconds', 'gauge', 'Seconds since the server started.', s.uptimeSeconds);
  e.one('fourfold_workers', 'gauge', 'Workers of the pool, or the most per-connection workers at once (1 when the server serves in one thread).', s.model.workers);
  e.one('fourfold_connections_accepted_total', 'counter', 'Connections accepted.', s.connections.accepted);
  const c = s.connections;
  e.family('fourfold_connections', 'gauge', 'Connections open now, by state.', [
    [{ state: 'reading' }, c.reading],
    [{ state: 'handling' }, c.handling],
    [{ state: 'writing' }, c.writing],
    [{ state: 'keep_alive' }, c.keepAlive],
    [{ state: 'closing' }, c.closing],
  ]);
  e.one('fourfold_requests_total', 'counter', 'Requests answered (responses sent, errors included).', s.requests.total);
  e.family('fourfold_requests_per_second', 'gauge', 'Requests completed per second over the last whole seconds.', [
    [{ window: '1s' }, s.requests.perSecond.last1s],
    [{ window: '10s' }, s.requests.perSecond.last10s],
    [{ window: '60s' }, s.requests.perSecond.last60s],
  ]);
  e.family('fourfold_responses_total', 'counter', 'Responses by status class.', Object.entries(s.responses).map(([cls, n]) => [{ class: cls }, n]));
  e.one('fourfold_errors_total', 'counter', 'Responses with status 500 or more, plus requests refused before they were complete.', s.errors);
  e.one('fourfold_received_bytes_total', 'counter', 'Bytes received from clients.', s.bytes.in);
  e.one('fourfold_sent_bytes_total', 'counter', 'Bytes sent to clients.', s.bytes.out);
  e.family(
    'fourfold_syscalls_total',
    'counter',
    "System calls made through fourfold's sys layer, by call (Node's own calls, libuv's and fs's, are not in it).",
    Object.entries(s.syscalls.byName).map(([name, n]) => [{ syscall: name }, n]),
  );
  if (s.syscalls.perRequest !== null) e.one('fourfold_syscalls_per_request', 'gauge', 'System calls through the sys layer per request answered, since the start.', s.syscalls.perRequest);
  const workers = s.scoreboard.workers;
  const slot = (w: (typeof workers)[number]): Labels => ({ slot: w.slot, role: w.role });
  e.family('fourfold_worker_requests_total', 'counter', 'Requests answered by each scoreboard slot.', workers.map((w) => [slot(w), w.requests]));
  e.family('fourfold_worker_connections_total', 'counter', 'Connections accepted by (or handed to) each scoreboard slot.', workers.map((w) => [slot(w), w.connections]));
  e.family('fourfold_worker_open_connections', 'gauge', 'Connections each scoreboard slot holds now.', workers.map((w) => [slot(w), w.open.open]));
  e.family('fourfold_worker_syscalls_total', 'counter', 'System calls made by each scoreboard slot.', workers.map((w) => [slot(w), w.syscalls]));
  e.family('fourfold_worker_state', 'gauge', 'What each scoreboard slot does now (1 for its state).', workers.map((w) => [{ ...slot(w), state: w.state }, 1]));
  return e.text();
}
