#!/usr/bin/env node
// npm run bench:models — the blocking models side by side, in one run:
// iterative (one process, one connection at a time), prefork (a pool of N
// processes blocking in accept()) and process (a new process per connection).
//
//   node bench/models.mjs [--duration 5] [--conns 4] [--workers 8] [--count 50] [--only iterative,prefork,process]
//
//  - connections/s: wrk with `Connection: close`, so every request is a new
//    connection (for `process`: a new Node process each);
//  - requests/s: wrk with keep-alive on --conns connections. A blocking
//    server serves one connection per process: iterative serves one of them
//    and the others wait in the backlog (wrk counts their timeouts), prefork
//    serves up to --workers at once, process one child per connection;
//  - the first-byte latency of `process` (bench/first-byte.mjs): median and
//    p90 over --count sequential fresh connections, and one child's memory.
//
// The server runs on CPU 0 (its workers and children inherit the pinning),
// wrk on CPU 1. The handler is bench/apps/hello-native.mjs (13 bytes).
// Figures drift with the machine; compare within a run.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { firstByte, formatFirstByte, startFourfold, pin } from './first-byte.mjs';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    conns: { type: 'string', default: '4' },
    workers: { type: 'string', default: '8' },
    count: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});
try {
  execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
} catch {
  console.error('bench:models needs wrk (Debian: apt-get install wrk)');
  process.exit(2);
}

// This process (the first-byte client) on wrk's CPU, away from the server's.
try {
  execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
} catch {
  /* no taskset, or one CPU */
}

const MODELS = {
  iterative: ['--model', 'iterative'],
  prefork: ['--model', 'prefork', '--workers', opt.workers],
  process: ['--model', 'process'],
};
const only = opt.only?.split(',') ?? Object.keys(MODELS);

function wrk(port, { conns, close }) {
  const args = ['-t1', `-c${conns}`, `-d${opt.duration}s`, '--timeout', '2s'];
  if (close) args.push('-H', 'Connection: close');
  const argv = pin(1, ['wrk', ...args, `http://127.0.0.1:${port}/`]);
  const text = execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0);
  const errors = (/Socket errors: (.*)/.exec(text)?.[1] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part && !/ 0$/.test(part))
    .join(', ');
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1];
  return { rate, errors: [errors, non2xx ? `non-2xx ${non2xx}` : ''].filter(Boolean).join(', ') };
}

console.log(
  `fourfold bench:models — Node ${process.version}, server on CPU 0, wrk -t1 on CPU 1, ${opt.duration} s each; ` +
    `close: -c${opt.conns} with Connection: close; keep-alive: -c${opt.conns}; prefork --workers ${opt.workers}`,
);
const rows = [];
for (const name of only) {
  const server = await startFourfold([...MODELS[name], '--app', 'bench/apps/hello-native.mjs']);
  try {
    wrk(server.port, { conns: opt.conns, close: true, warm: true }); // warm-up
    const close = wrk(server.port, { conns: opt.conns, close: true });
    const keep = wrk(server.port, { conns: opt.conns, close: false });
    rows.push({ name, close, keep });
    const note = (r) => (r.errors ? `  (${r.errors})` : '');
    console.log(`  ${name.padEnd(10)} ${String(Math.round(close.rate)).padStart(7)} connections/s${note(close).padEnd(24)} ${String(Math.round(keep.rate)).padStart(8)} requests/s keep-alive${note(keep)}`);
  } finally {
    await server.stop();
  }
}

console.log(
  `  (keep-alive: a blocking worker is held by its connection until the client closes it or --idle-timeout passes; ` +
    `iterative serves one of the ${opt.conns} connections while the others wait in the backlog, prefork up to --workers at once, process one child each)`,
);

if (only.includes('process')) {
  console.log(`\nAccept → first byte, ${opt.count} sequential fresh connections:`);
  for (const model of only) {
    const r = await firstByte({ model, count: Number(opt.count), args: model === 'prefork' ? ['--workers', opt.workers] : [] });
    console.log(formatFirstByte(model, r));
  }
}
