// `fourfold serve [root] [flags]`: parse the flags, start the server, print
// the one "listening" line, and stop cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { serve, UsageError, type ServeOptions } from '../serve.js';
import { MODELS } from '../models/index.js';
import { guardProcess } from '../models/guard.js';
import { parseDuration, parseSize, parseInteger } from './units.js';

export const SERVE_HELP = `Usage: fourfold serve [root] [options]

Serve the files under root (default: the bundled demo site) and/or a handler module.

Architecture
  --model <name>          concurrency model (default: event-loop)
${MODELS.map((m) => `                            ${m.name.padEnd(11)} ${m.summary}${m.available ? '' : ' (coming)'}`).join('\n')}
  --poller <name>         event-loop poller: epoll | poll | select (default: epoll)
  --workers <n|auto>      pooled models: workers sharing the port (${MODELS.filter((m) => m.pool).map((m) => `${m.name} ${m.pool!.defaultSize}`).join(', ')});
                          auto = one per CPU
${MODELS.filter((m) => m.cap).map((m) => `  --${m.cap!.flag} <n>`.padEnd(26) + `${m.name}: most connections at once, one ${m.runsIn === 'processes' ? 'process' : 'thread'} each (default: ${m.cap!.default})`).join('\n')}
  --max-requests <n>      pooled processes/threads: replace a worker after n connections (default: 0, never)

Network
  --host <address>        address to listen on (default: 127.0.0.1; ::1 or :: for IPv6)
  --port <n>              port (default: 8080; 0 picks a free one and prints it)
  --backlog <n>           listen(2) backlog (default: 511)

Application
  --app <module>          handler module: export default { fetch(request) } or { handle(req) }
  --dir-listing           list directories that have no index.html
  --cache-control <value> Cache-Control header for static files
  --cors                  send Access-Control-Allow-Origin: * and answer preflights
  --spa                   unknown non-file paths get index.html (single-page apps)
  --no-compress           no gzip/brotli (precompressed or on the fly)
  --follow-symlinks       allow symlinks that lead outside root
  --dotfiles              serve files whose names start with a dot

Timeouts and limits
  --header-timeout <dur>  a request head must arrive within this, and a body
                          must not stall longer (default: 10s)
  --idle-timeout <dur>    keep-alive connections wait this long for a request (default: 5s)
  --send-timeout <dur>    give up on a client that does not read for (default: 30s)
  --handler-timeout <dur> the app must answer (or stream its next chunk) within this,
                          else 503, or the connection is cut (default: 30s)
  --max-target <size>     longest request-target, else 414 (default: 8k)
  --max-header <size>     largest header section, else 431 (default: 16k)
  --max-headers <n>       most header fields, else 431 (default: 100)
  --max-body <size>       largest request body as sent, else 413 (default: 1mb, as nginx)
  --max-body-memory <size> memory all request bodies of one worker may hold,
                          beyond it a body gets 503 (default: 256mb)

Output
  --log <format>          access log on stdout: combined | json | off (default: combined)
  --quiet                 no access log and no notices

See inside
  --status-path <path>    a live status page at this path, e.g. /server-status: scoreboard,
                          metrics, the system calls of the latest request; ?format=json
                          and ?format=prometheus (default: none; npm start turns it on)
  --status-public         serve the status page to every client (default: loopback only)
  --trace-syscalls        print every system call (socket, accept4, recv, send…) to stderr,
                          strace-style, from the master and every worker
  -h, --help              this help

Durations: 10, 2.5s, 500ms. Sizes: 16384, 16k, 10mb.
Exit codes: 0 stopped cleanly, 1 could not start or failed, 2 bad usage.`;

const OPTIONS = {
  model: { type: 'string' },
  poller: { type: 'string' },
  workers: { type: 'string' },
  'max-children': { type: 'string' },
  'max-threads': { type: 'string' },
  'max-requests': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  backlog: { type: 'string' },
  app: { type: 'string' },
  'dir-listing': { type: 'boolean' },
  'cache-control': { type: 'string' },
  cors: { type: 'boolean' },
  spa: { type: 'boolean' },
  'no-compress': { type: 'boolean' },
  'follow-symlinks': { type: 'boolean' },
  dotfiles: { type: 'boolean' },
  'header-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'send-timeout': { type: 'string' },
  'handler-timeout': { type: 'string' },
  'max-target': { type: 'string' },
  'max-header': { type: 'string' },
  'max-headers': { type: 'string' },
  'max-body': { type: 'string' },
  'max-body-memory': { type: 'string' },
  log: { type: 'string' },
  quiet: { type: 'boolean' },
  'status-path': { type: 'string' },
  'status-public': { type: 'boolean' },
  'trace-syscalls': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Turn argv into ServeOptions; throws UsageError with a one-line message. */
export function parseServeArgs(argv: string[]): ServeOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(((e as Error).message.split('\n')[0] ?? 'bad arguments').replace(/\. To specify.*$/, ''));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length > 1) throw new UsageError(`expected at most one root directory, got: ${parsed.positionals.join(' ')}`);
  try {
    const o: ServeOptions = {};
    if (parsed.positionals.length === 1) o.root = parsed.positionals[0];
    if (v.model !== undefined) o.model = v.model;
    if (v.poller !== undefined) o.poller = v.poller as ServeOptions['poller'];
    if (v.workers !== undefined) o.workers = v.workers === 'auto' ? availableParallelism() : parseInteger('workers', v.workers, 1, 1024);
    if (v['max-children'] !== undefined) o.maxChildren = parseInteger('max-children', v['max-children'], 1, 100_000);
    if (v['max-threads'] !== undefined) o.maxThreads = parseInteger('max-threads', v['max-threads'], 1, 100_000);
    if (v['max-requests'] !== undefined) o.maxRequests = parseInteger('max-requests', v['max-requests'], 0, 2 ** 31);
    if (v.host !== undefined) o.host = v.host;
    if (v.port !== undefined) o.port = parseInteger('port', v.port, 0, 65535);
    if (v.backlog !== undefined) o.backlog = parseInteger('backlog', v.backlog, 1, 65535);
    if (v.app !== undefined) o.app = v.app;
    o.dirListing = v['dir-listing'] ?? false;
    if (v['cache-control'] !== undefined) {
      if (/[\r\n]/.test(v['cache-control'])) throw new RangeError('--cache-control must be one line');
      o.cacheControl = v['cache-control'];
    }
    o.cors = v.cors ?? false;
    o.spa = v.spa ?? false;
    o.compress = !(v['no-compress'] ?? false);
    o.followSymlinks = v['follow-symlinks'] ?? false;
    o.dotfiles = v.dotfiles ?? false;
    o.timeouts = {};
    if (v['header-timeout'] !== undefined) o.timeouts.headerMs = parseDuration('header-timeout', v['header-timeout']);
    if (v['idle-timeout'] !== undefined) o.timeouts.idleMs = parseDuration('idle-timeout', v['idle-timeout']);
    if (v['send-timeout'] !== undefined) o.timeouts.sendMs = parseDuration('send-timeout', v['send-timeout']);
    if (v['handler-timeout'] !== undefined) o.timeouts.handlerMs = parseDuration('handler-timeout', v['handler-timeout']);
    o.limits = {};
    if (v['max-target'] !== undefined) o.limits.maxTarget = parseSize('max-target', v['max-target']);
    if (v['max-header'] !== undefined) o.limits.maxHeaderBytes = parseSize('max-header', v['max-header']);
    if (v['max-headers'] !== undefined) o.limits.maxHeaderCount = parseInteger('max-headers', v['max-headers'], 1, 10000);
    if (v['max-body'] !== undefined) o.limits.maxBody = parseSize('max-body', v['max-body']);
    if (v['max-body-memory'] !== undefined) o.limits.maxBodyMemory = parseSize('max-body-memory', v['max-body-memory']);
    if (v.log !== undefined) {
      if (v.log !== 'combined' && v.log !== 'json' && v.log !== 'off') throw new RangeError(`--log must be combined, json or off, got '${v.log}'`);
      o.log = v.log;
    }
    o.quiet = v.quiet ?? false;
    if (v['status-path'] !== undefined) o.statusPath = v['status-path'];
    if (v['status-public']) o.statusPublic = true;
    if (v['trace-syscalls']) o.traceSyscalls = true;
    return o;
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

export async function serveCommand(argv: string[]): Promise<number> {
  const options = parseServeArgs(argv);
  if (options === 'help') {
    process.stdout.write(SERVE_HELP + '\n');
    return 0;
  }
  // Signal handlers first: a signal that arrives during start-up or right
  // after the listening line must still mean "stop cleanly".
  let server: Awaited<ReturnType<typeof serve>> | null = null;
  let stopRequested = false;
  const stop = (signal: string) => {
    if (stopRequested && server !== null) return;
    stopRequested = true;
    if (server === null) return; // closed as soon as it exists
    if (!options.quiet) process.stderr.write(`fourfold: ${signal}: finishing in-flight requests, then exiting\n`);
    void server.close();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  guardProcess();
  server = await serve(options);
  const workers = server.workers > 1 ? `, ${server.workers} workers` : '';
  process.stdout.write(`fourfold listening on ${server.url} (model: ${server.model}${workers})\n`);
  if (!options.quiet) {
    // Say what is running, in the lecture's terms: the model is visible, not just named.
    const info = MODELS.find((m) => m.name === server.model);
    const poller = info?.name === 'event-loop' ? ` (poller: ${options.poller ?? 'epoll'})` : '';
    process.stderr.write(`fourfold: ${info?.name}${poller}: ${info?.summary}; pid ${process.pid}\n`);
  }
  if (stopRequested) void server.close();
  try {
    await server.done;
  } catch (e) {
    // The model gave up (e.g. its workers kept dying): say why, and fail, so a process manager restarts us.
    process.stderr.write(`fourfold: ${e instanceof Error ? e.message : String(e)}\n`);
    await server.close().catch(() => {});
    return 1;
  }
  await server.close();
  return 0;
}
