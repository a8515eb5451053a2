// Syscalls per request from the server's own counters. Every fourfold worker
// counts the system calls its thread makes through sys/ into its scoreboard
// row; the status page (started with --status-path, as the lab's targets do)
// sums them over every worker and serves them as JSON. The lab reads them
// before and after a measurement and divides the difference by the requests
// served. A server without that page (a peer: node:http, nginx) has none:
// null, and the report says "not exposed".
//
// The reading itself is one request with `Connection: close`: its connection
// must not stay open in a blocking model and hold a worker (or a process, a
// thread) during the measurement. Its own few calls fall into the measured
// window; against thousands of requests they do not show.
//
// What these counts are: fourfold's own calls (socket, accept4, recv, send…),
// not Node's (libuv's epoll_wait, fs, the start of a worker process). For
// everything the kernel saw, bench/strace-models.mjs runs `strace -f -c`.
import http from 'node:http';

export type SyscallCounts = Record<string, number>;

/** Where the lab's fourfold targets serve their status page. */
export const STATUS_PATH = '/server-status';

/**
 * The server's cumulative syscall counters, or null when it exposes none or
 * does not answer within timeoutMs: a per-connection model may still be
 * starting workers for the dead connections a load left in its backlog, and
 * the reading waits behind them (the figure is then "–", not a stalled lab).
 */
export async function readSyscallCounters(baseUrl: string, timeoutMs = 2000): Promise<SyscallCounts | null> {
  const url = new URL(`${STATUS_PATH}?format=json`, baseUrl);
  const body = await new Promise<string | null>((resolve) => {
    // A whole-exchange deadline: req.setTimeout() would start only once connected, and with the
    // listen backlog full the kernel drops the SYN and the connect waits out its retries (~2 min).
    const req = http.get(url, { agent: false, signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close', accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve(null);
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
  });
  if (body === null) return null;
  try {
    const byName = (JSON.parse(body) as { syscalls?: { byName?: unknown } }).syscalls?.byName;
    if (typeof byName !== 'object' || byName === null) return null;
    return Object.fromEntries(Object.entries(byName).filter(([, n]) => typeof n === 'number')) as SyscallCounts;
  } catch {
    return null; // not fourfold's status page
  }
}

/** Per-request difference of two readings (null if either is missing or no request was served). */
export function syscallsPerRequest(before: SyscallCounts | null, after: SyscallCounts | null, requests: number): SyscallCounts | null {
  if (before === null || after === null || requests <= 0) return null;
  const out: SyscallCounts = {};
  for (const [name, n] of Object.entries(after)) out[name] = (n - (before[name] ?? 0)) / requests;
  return out;
}

/** All calls per request (the sum of a syscallsPerRequest result). */
export function totalPerRequest(perRequest: SyscallCounts | null): number | null {
  return perRequest === null ? null : Object.values(perRequest).reduce((a, b) => a + b, 0);
}
