// Idle keep-alive connections: each makes one request, reads the answer and
// then sits idle. How much memory does the server spend on each? Opened in
// batches; the ramp stops when a batch gets no answer at all (the model will
// not take more: it serves one at a time, or its pool of processes/threads
// is full — connections then wait unanswered in the listen backlog), when the
// server's memory passes a limit, or at a deadline. The report says which.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Memory per connection is a figure only from this many held connections: below it, the noise of a whole process's RSS swamps it. */
export const MIN_HELD_FOR_FIGURE = 10;

export interface IdleResult {
  requested: number;
  opened: number;
  answered: number;
  /** Why the ramp stopped before `requested`, or null. */
  stoppedBecause: string | null;
  sockets: net.Socket[];
}

export interface IdleOptions {
  host: string;
  port: number;
  count: number;
  batch: number;
  batchTimeoutMs: number;
  deadlineMs: number;
  /** Checked after each batch: a reason to stop (e.g. the memory limit), or null. */
  check: () => string | null;
}

export async function openIdleConnections(o: IdleOptions): Promise<IdleResult> {
  const sockets: net.Socket[] = [];
  let answered = 0;
  let stoppedBecause: string | null = null;
  const end = performance.now() + o.deadlineMs;
  const request = `GET / HTTP/1.1\r\nHost: ${o.host}\r\n\r\n`;
  while (sockets.length < o.count) {
    const n = Math.min(o.batch, o.count - sockets.length);
    const before = answered;
    const batch = Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const s = net.connect(o.port, o.host);
          sockets.push(s);
          let done = false;
          const finish = () => {
            if (!done) {
              done = true;
              resolve();
            }
          };
          s.once('connect', () => s.write(request));
          s.once('data', () => {
            answered++;
            finish();
          });
          s.on('data', () => {});
          s.on('error', finish);
          s.once('close', finish);
        }),
    );
    const left = end - performance.now();
    await Promise.race([Promise.all(batch), sleep(Math.max(0, Math.min(o.batchTimeoutMs, left)), undefined, { ref: false })]);
    if (answered === before) {
      stoppedBecause = `a batch of ${n} new connections got no answer within ${Math.round(o.batchTimeoutMs / 1000)} s: the server takes no more (after ${answered})`;
      break;
    }
    const why = o.check();
    if (why !== null) {
      stoppedBecause = why;
      break;
    }
    if (performance.now() >= end) {
      stoppedBecause = `the scenario's time limit was reached after ${sockets.length} connections`;
      break;
    }
  }
  return { requested: o.count, opened: sockets.length, answered, stoppedBecause, sockets };
}

export function closeAll(sockets: net.Socket[]): void {
  for (const s of sockets) s.destroy();
}
