// The soak's load generator, run in a process of its own (the test process
// would be the bottleneck, and its own sockets would blur what it measures):
//
//   node test/helpers/soak-load.mjs '{"port":8080,"connections":1000,"seconds":10}'
//
// Every client loops until the time is up, in one of five roles:
//   keep-alive, a small static file      30%   (20 requests per connection, then a new one)
//   keep-alive, the handler (/work)      20%
//   keep-alive, a 64 KiB static file     10%
//   Connection: close, file or handler   25%   (a new connection per request)
//   resetting                            15%   (RST after half a head, or after the first
//                                               bytes of a 1 MiB response)
// Then it waits up to `graceMs` for the requests in flight and prints one line
// of JSON: requests answered by status, client-side failures by kind, resets
// done, connections opened, latency percentiles (ms).
import { Conn } from './http-client.mjs';

const opts = { host: '127.0.0.1', connections: 1000, seconds: 10, graceMs: 10_000, perConnection: 20, requestTimeoutMs: 30_000, ...JSON.parse(process.argv[2] ?? '{}') };
const stopAt = Date.now() + opts.seconds * 1000;
const stats = { requests: 0, status: {}, failures: {}, resets: 0, connections: 0, bytes: 0, unfinished: 0 };
const latencies = [];
const live = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (kind) => (stats.failures[kind] = (stats.failures[kind] ?? 0) + 1);

function open() {
  const c = new Conn(opts.port, { host: opts.host, connectTimeoutMs: opts.requestTimeoutMs });
  stats.connections++;
  live.add(c);
  c.closed.then(() => live.delete(c));
  return c;
}

/** A new connection once it is up; null (counted, after a pause) when it could not connect. */
async function connected() {
  const c = open();
  if (await c.connected) return c;
  fail(`connect ${c.error?.code ?? 'failed'}`);
  await sleep(100);
  return null;
}

/** One request; true if it was answered (any status). */
async function ask(c, target, close = false) {
  const t0 = performance.now();
  const r = await c.request(target, { close, timeoutMs: opts.requestTimeoutMs });
  if (r === null) {
    fail(c.error ? `${c.error.code ?? c.error.message}` : 'closed without a response');
    return false;
  }
  if (r === 'timeout') {
    fail('timeout');
    return false;
  }
  stats.requests++;
  stats.status[r.status] = (stats.status[r.status] ?? 0) + 1;
  stats.bytes += r.body.length;
  latencies.push(performance.now() - t0);
  return true;
}

async function keepAlive(target) {
  while (Date.now() < stopAt) {
    const c = await connected();
    if (c === null) continue;
    for (let i = 0; i < opts.perConnection && Date.now() < stopAt; i++) if (!(await ask(c, target))) break;
    await c.destroy();
  }
}

async function closing(n) {
  for (let i = n; Date.now() < stopAt; i++) {
    const c = await connected();
    if (c === null) continue;
    await ask(c, i % 2 === 0 ? '/hello.txt' : '/work', true);
    await c.destroy();
  }
}

async function resetting(n) {
  for (let i = n; Date.now() < stopAt; i++) {
    const c = await connected();
    if (c === null) continue;
    if (i % 2 === 0) {
      c.write('GET /hello.txt HTTP/1.1\r\nHo');
      await sleep(20);
    } else {
      const first = new Promise((resolve) => {
        c.sock.once('data', resolve);
        c.sock.once('close', resolve);
      });
      c.write('GET /big.bin HTTP/1.1\r\nHost: soak\r\n\r\n');
      await Promise.race([first, sleep(opts.requestTimeoutMs)]);
    }
    await c.reset();
    stats.resets++;
    await sleep(200); // (a resetting client is a minority: it does not flood)
  }
}

function role(i) {
  const r = i % 20;
  if (r < 6) return keepAlive('/hello.txt');
  if (r < 10) return keepAlive('/work');
  if (r < 12) return keepAlive('/file64k.bin');
  if (r < 17) return closing(i);
  return resetting(i);
}

const clients = Array.from({ length: opts.connections }, (_, i) => role(i));
const finished = Promise.all(clients);
await Promise.race([finished, sleep(opts.seconds * 1000 + opts.graceMs)]);
stats.unfinished = live.size; // requests still in flight after the grace period (their sockets are cut now)
for (const c of live) c.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length === 0 ? null : Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] * 10) / 10);
process.stdout.write(JSON.stringify({ ...stats, seconds: opts.seconds, connections: opts.connections, latencyMs: { p50: pct(50), p99: pct(99), max: pct(100) } }) + '\n');
process.exit(0);
