// What the lab runs: every available model (plus, for each model that
// accepts it, a `--workers N` variant), and with --peers the reference
// servers node:http and nginx. A target knows how to start itself as a
// process; everything else about it is learnt by measuring it.
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableModels, type LabModel } from './models.js';
import type { ServerLaunch } from './server-process.js';
import { pinned } from './pin.js';
import { STATUS_PATH } from './server-counters.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(PACKAGE_ROOT, 'dist/cli/main.js');
export const LAB_APP = path.join(PACKAGE_ROOT, 'dist/lab/fixtures/lab-app.js');
const NODE_HTTP_PEER = path.join(PACKAGE_ROOT, 'bench/peers/node-http.mjs');

export interface LaunchContext {
  site: string;
  scratch: string;
  serverCpus: string | null;
  env: NodeJS.ProcessEnv;
  countLog: boolean;
}

export interface Target {
  /** Shown in every table and chart: "event-loop", "event-loop --workers 2", "nginx". */
  id: string;
  kind: 'model' | 'peer';
  /** The --model name, for model targets. */
  model: string | null;
  summary: string;
  /** Scenarios it cannot run meaningfully (e.g. nginx has no CPU-burning handler). */
  cannot: Record<string, string>;
  /** Whether it can count the requests it answered (fourfold's access log). */
  countsRequests: boolean;
  /** The most connections it holds at once, for a blocking model: "--max-children" 64, "--workers" 8, or no flag and 1. */
  cap: { flag: string | null; value: number; perConnection: boolean } | null;
  launch(ctx: LaunchContext): Promise<ServerLaunch>;
}

export interface NotMeasured {
  id: string;
  summary: string;
  reason: string;
}

/**
 * Flags every fourfold server gets in the lab: the lab's handler, no access
 * log, its status page (for its syscall counters), and an idle timeout long enough for the idle-connections scenario to
 * hold its connections while it measures them.
 */
function serveArgv(ctx: LaunchContext, model: string, extra: string[]): string[] {
  // --status-path: the lab reads the server's own syscall counters from it (server-counters.ts). Nobody
  // watches the page, so the workers do not record their calls: the hot path pays only its plain counters.
  return [process.execPath, CLI, 'serve', ctx.site, '--model', model, ...extra, '--port', '0', '--app', LAB_APP, '--idle-timeout', '30s', '--status-path', STATUS_PATH, ...(ctx.countLog ? ['--log', 'combined'] : ['--log', 'off', '--quiet'])];
}

/** The model's cap on connections, as the extra flags set it or by default. */
function capOf(m: LabModel, extra: string[]): Target['cap'] {
  if (m.cap === null) return null;
  const { perConnection } = m.cap;
  if (m.cap.flag === null) return { flag: null, value: m.cap.default, perConnection };
  const flag = `--${m.cap.flag}`;
  const i = extra.findIndex((x) => x === flag || x.startsWith(`${flag}=`));
  if (i < 0) return { flag, value: m.cap.default, perConnection };
  const given = Number(extra[i]!.includes('=') ? extra[i]!.split('=')[1] : extra[i + 1]);
  // A value the lab cannot read ("--workers auto"): no cap assumed, the ramp finds where it stops.
  return Number.isInteger(given) && given > 0 ? { flag, value: given, perConnection } : null;
}

function modelTarget(m: LabModel, extra: string[]): Target {
  return {
    id: [m.name, ...extra].join(' '),
    kind: 'model',
    model: m.name,
    summary: m.summary,
    cannot: {},
    countsRequests: true,
    cap: capOf(m, extra),
    launch: async (ctx) => ({ argv: pinned(serveArgv(ctx, m.name, extra), ctx.serverCpus), env: ctx.env, ready: 'line', countLog: ctx.countLog, startTimeoutMs: 20_000 }),
  };
}

/** "event-loop --workers 2" → the model's name and the extra serve flags. */
export function parseModelSpec(spec: string): { name: string; extra: string[] } {
  const [name = '', ...extra] = spec.trim().split(/\s+/);
  return { name, extra };
}

export interface TargetPlan {
  targets: Target[];
  notMeasured: NotMeasured[];
}

/**
 * The models to measure. Without --models: every available model, and a
 * `--workers N` variant of each one that scales out to several processes
 * (the model table says which), so a model that lands later gets its rows
 * without a change here.
 */
export async function modelTargets(specs: string[] | null, workers: number, ctx: LaunchContext): Promise<TargetPlan> {
  const models = availableModels();
  const notMeasured: NotMeasured[] = [];
  const targets: Target[] = [];
  if (specs === null) {
    for (const m of models) {
      if (!m.available) {
        notMeasured.push({ id: m.name, summary: m.summary, reason: 'not built yet' });
        continue;
      }
      targets.push(modelTarget(m, []));
    }
    for (const m of models.filter((x) => x.available && x.scalesOut)) targets.push(modelTarget(m, ['--workers', String(workers)]));
    return { targets, notMeasured };
  }
  for (const spec of specs) {
    const { name, extra } = parseModelSpec(spec);
    const m = models.find((x) => x.name === name);
    if (m === undefined) throw new RangeError(`unknown model '${name}' (models: ${models.map((x) => x.name).join(', ')})`);
    if (!m.available) notMeasured.push({ id: spec.trim(), summary: m.summary, reason: 'not built yet' });
    else targets.push(modelTarget(m, extra));
  }
  return { targets, notMeasured };
}

/** A free loopback port, for a peer that cannot take port 0 and tell us (nginx). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The reference servers: node:http always (when its script is present), nginx when installed. */
export function peerTargets(nginxInstalled: boolean): { targets: Target[]; notMeasured: NotMeasured[] } {
  const targets: Target[] = [];
  const notMeasured: NotMeasured[] = [];
  if (existsSync(NODE_HTTP_PEER)) {
    targets.push({
      id: 'node:http',
      kind: 'peer',
      model: null,
      summary: "Node's own HTTP server (libuv event loop), bench/peers/node-http.mjs",
      cannot: {},
      countsRequests: false,
      cap: null,
      launch: async (ctx) => ({ argv: pinned([process.execPath, NODE_HTTP_PEER, '0', ctx.site], ctx.serverCpus), env: ctx.env, ready: 'line', countLog: false, startTimeoutMs: 10_000 }),
    });
  } else notMeasured.push({ id: 'node:http', summary: "Node's own HTTP server", reason: `peer script not found: ${NODE_HTTP_PEER}` });
  if (nginxInstalled) {
    targets.push({
      id: 'nginx',
      kind: 'peer',
      model: null,
      summary: 'nginx, 1 worker process (event loop on epoll), sendfile on',
      cannot: { 'cpu-handler': 'nginx has no handler that burns CPU' },
      countsRequests: false,
      cap: null,
      launch: async (ctx) => {
        const port = await freePort();
        const dir = path.join(ctx.scratch, `nginx-${port}`);
        mkdirSync(path.join(dir, 'tmp'), { recursive: true });
        const conf = path.join(dir, 'nginx.conf');
        writeFileSync(conf, nginxConf(dir, ctx.site, port));
        return { argv: pinned(['nginx', '-c', conf], ctx.serverCpus), env: ctx.env, ready: { url: `http://127.0.0.1:${port}/` }, countLog: false, startTimeoutMs: 10_000 };
      },
    });
  } else notMeasured.push({ id: 'nginx', summary: 'nginx', reason: 'not installed' });
  return { targets, notMeasured };
}

/** As bench/peers.mjs runs it, plus what the idle and keep-alive scenarios need. */
function nginxConf(dir: string, site: string, port: number): string {
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
worker_rlimit_nofile 30000;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_timeout 30s;
  keepalive_requests 10000000;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  sendfile on; tcp_nopush on; open_file_cache max=1000 inactive=20s;
  server {
    listen 127.0.0.1:${port};
    root ${site};
    location = / { default_type text/plain; return 200 'Hello, World!'; }
  }
}
`;
}
