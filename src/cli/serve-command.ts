// `fourfold serve [root] [flags]` and `fourfold demo [flags]`: read the
// flags, start the server, say where it listens, stop cleanly on the first
// SIGINT/SIGTERM and at once on the second.
//
// Output: stdout carries the access log and nothing else (so `--log json | jq`
// works); the listening line, notices and errors go to stderr.
import { serve, DEMO_ROOT, UsageError, defaultTimeouts, type ServeOptions } from '../serve.js';
import { MODELS } from '../models/index.js';
import { guardProcess } from '../models/guard.js';
import { parseServeArgs } from './serve-args.js';
import { StopSignals } from './shutdown.js';
import { version } from './version.js';

const pooled = MODELS.filter((m) => m.pool).map((m) => `${m.name} ${m.pool!.defaultSize}`).join(', ');
const capped = MODELS.filter((m) => m.cap)
  .map((m) => `  --${m.cap!.flag} <n>`.padEnd(28) + `${m.name}: most connections at once, one ${m.runsIn === 'processes' ? 'process' : 'thread'} each (default: ${m.cap!.default})`)
  .join('\n');

export const SERVE_HELP = `Usage: fourfold serve [root] [options]
       fourfold demo [options]        (the bundled demo site)

Serve the files under root (default: the current directory) and/or a handler
module. With --app and no root, only the handler answers.

Architecture
  --model <name>            concurrency model (default: event-loop)
${MODELS.map((m) => `                              ${m.name.padEnd(11)} ${m.summary}${m.available ? '' : ' (coming)'}`).join('\n')}
  --poller <name>           event-loop poller: epoll | poll | select (default: epoll)
  --workers <n|auto>        pooled models: workers sharing the port (${pooled});
                            auto = one per CPU
${capped}
  --max-requests <n>        pooled processes/threads: replace a worker after n connections (default: 0, never)

Network
  -a, --host <address>      address to listen on (default: 127.0.0.1; 0.0.0.0 or :: for all, ::1 for IPv6)
  -p, --port <n>            port (default: 8080; 0 picks a free one and prints it)
  --backlog <n>             listen(2) backlog (default: 511)

Application
  --app <module>            handler module: export default { fetch(request) } or { handle(req) }
  --handler-first           with --app and a root: ask the handler first (default: existing files first)
  --no-dir-listing          do not list directories that have no index.html (listed by default)
  --dir-listing             list them (the default; for scripts that say so)
  --no-404-page             a 404.html in the root is not used as the body of 404s
  --no-clean-urls           /about does not serve about.html
  --cache-control <value>   Cache-Control header for static files
  --cache-metadata <dur>    trust what is known of a file for this long without a stat
                            (default: 0, every request sees edits at once)
  --cors                    send Access-Control-Allow-Origin: * and answer preflights
  --spa                     unknown non-file paths get index.html (single-page apps)
  --no-compress             no gzip/brotli (precompressed or on the fly)
  --follow-symlinks         allow symlinks that lead outside root
  --dotfiles                serve files whose names start with a dot

Timeouts and limits
  --header-timeout <dur>    a request head must arrive within this, and a body
                            must not stall longer (default: ${defaultTimeouts.headerMs / 1000}s)
  --idle-timeout <dur>      keep-alive connections wait this long for a request (default: ${defaultTimeouts.idleMs / 1000}s)
  --send-timeout <dur>      give up on a client that does not read for this long (default: ${defaultTimeouts.sendMs / 1000}s)
  --handler-timeout <dur>   the app must answer (or stream its next chunk) within this,
                            else 503, or the connection is cut (default: ${defaultTimeouts.handlerMs / 1000}s)
  --shutdown-timeout <dur>  on Ctrl-C/SIGTERM, requests in flight may finish for this long,
                            then they are cut; a second Ctrl-C stops at once (default: ${defaultTimeouts.shutdownMs / 1000}s)
  --max-target <size>       longest request-target, else 414 (default: 8k)
  --max-header <size>       largest header section, else 431 (default: 16k)
  --max-headers <n>         most header fields, else 431 (default: 100)
  --max-body <size>         largest request body as sent, else 413 (default: 1mb, as nginx)
  --max-body-memory <size>  memory all request bodies of one process may hold
                            (its threads share it; each worker process has
                            its own), beyond it a body gets 503 (default: 256mb)

Output
  --log <format>            access log on stdout: combined | json | off (default: combined)
  --quiet                   no access log and no notices (errors still go to stderr)

See inside
  --status-path <path>      a live status page at this path, e.g. /server-status: scoreboard,
                            metrics, the system calls of the latest request; ?format=json
                            and ?format=prometheus (default: none; npm start turns it on)
  --status-public           serve the status page to every client (default: loopback only)
  --trace-syscalls          print every system call (socket, accept4, recv, send…) to stderr,
                            strace-style, from the master and every worker
  -h, --help                this help
  -v, --version             print the version

stdout carries only the access log; the "listening on" line, notices and
errors go to stderr.
Durations: 10, 2.5s, 500ms. Sizes: 16384, 16k, 10mb.
Exit codes: 0 stopped cleanly, 1 could not start or failed, 2 bad usage,
130 stopped at once by a second Ctrl-C.`;

export interface ServeCommandOptions {
  /** `fourfold demo`: the bundled demo site, no root of one's own. */
  demo?: boolean;
}

/** What the command line means beyond what serve() assumes: the current directory and directory listings, as http-server and serve do. */
function withCliDefaults(o: ServeOptions, demo: boolean): ServeOptions {
  if (demo) {
    if (o.root !== undefined) throw new UsageError(`fourfold demo serves the bundled demo site and takes no root (to serve '${o.root}': fourfold serve ${o.root})`);
    // The demo page links to the status page: it is on (for loopback clients) unless told otherwise.
    return { ...o, root: DEMO_ROOT, dirListing: o.dirListing ?? true, statusPath: o.statusPath === undefined ? '/server-status' : o.statusPath };
  }
  return { ...o, root: o.root ?? (o.app === undefined ? process.cwd() : null), dirListing: o.dirListing ?? true };
}

export async function serveCommand(argv: string[], { demo = false }: ServeCommandOptions = {}): Promise<number> {
  const args = parseServeArgs(argv);
  if (args.kind === 'help') {
    process.stdout.write(SERVE_HELP + '\n');
    return 0;
  }
  if (args.kind === 'version') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const options = withCliDefaults(args.options, demo);
  const quiet = options.quiet === true;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(`fourfold: ${line}\n`);
  };
  // Signal handlers first: a signal that arrives during start-up must still mean "stop cleanly".
  // (An invalid --shutdown-timeout is refused by serve() before any signal could use it.)
  const signals = new StopSignals(options.timeouts?.shutdownMs ?? defaultTimeouts.shutdownMs, say);
  guardProcess();
  const server = await serve(options);
  const workers = server.workers > 1 ? `, ${server.workers} workers` : '';
  // stderr, like every message: stdout is the access log's alone.
  process.stderr.write(`fourfold listening on ${server.url} (model: ${server.model}${workers})\n`);
  // Say what is running, in the lecture's terms: the model is visible, not just named.
  const info = MODELS.find((m) => m.name === server.model);
  const poller = info?.name === 'event-loop' ? ` (poller: ${options.poller ?? 'epoll'})` : '';
  say(`${info?.name}${poller}: ${info?.summary}; pid ${process.pid}`);
  signals.serving(server);
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
