// What Ctrl-C (SIGINT) and SIGTERM mean to `fourfold serve`:
//
//   first signal   a graceful stop: accept nothing new, let the requests in
//                  flight finish for up to --shutdown-timeout, then exit 0 —
//                  and say so, with the time it may take;
//   second signal  stop at once: worker processes are killed, exit 128 + the
//                  signal's number (130 for SIGINT), as shells expect.
//
// Should the server still be running well past the timeout (a handler that
// holds the thread), it is stopped anyway, with a line that says why.
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

export interface Stoppable {
  close(): Promise<unknown>;
}

/** After the shutdown timeout, this long more before the process stops by itself (the models cut and kill first). */
const FALLBACK_AFTER_MS = 5_000;

export class StopSignals {
  private server: Stoppable | null = null;
  private signals = 0;
  private requested: string | null = null;

  constructor(
    private readonly shutdownMs: number,
    private readonly say: (line: string) => void,
  ) {
    process.on('SIGINT', () => this.signal('SIGINT'));
    process.on('SIGTERM', () => this.signal('SIGTERM'));
  }

  /** The server exists now; a stop asked during start-up happens at once. */
  serving(server: Stoppable): void {
    this.server = server;
    if (this.requested !== null) this.beginStop(this.requested);
  }

  private signal(name: 'SIGINT' | 'SIGTERM'): void {
    this.signals++;
    if (this.signals === 1) {
      this.requested = name;
      if (this.server !== null) this.beginStop(name);
      return;
    }
    // Always said, --quiet or not: the user asked twice and should know the second one was heard.
    process.stderr.write(`fourfold: ${name} again: stopping now, requests in flight are cut\n`);
    stopNow(128 + constants.signals[name]);
  }

  private beginStop(name: string): void {
    const grace = this.shutdownMs > 0 ? `requests in flight have up to ${formatMs(this.shutdownMs)} to finish` : 'requests in flight are cut (--shutdown-timeout 0)';
    this.say(`${name}: stopping: no new connections; ${grace} (${name === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to stop now)`);
    void this.server!.close();
    setTimeout(() => {
      process.stderr.write(`fourfold: still not stopped ${formatMs(this.shutdownMs + FALLBACK_AFTER_MS)} after ${name}: stopping now\n`);
      stopNow(1);
    }, this.shutdownMs + FALLBACK_AFTER_MS).unref();
  }
}

/** End this process now, and the worker processes it started (their requests in flight with them). */
function stopNow(code: number): never {
  for (const pid of childrenOf(process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  process.exit(code);
}

/** This process's children, from /proc (Linux): the worker processes of a pool or of the process model. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (list !== '') out.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    /* no /proc: nothing we can find */
  }
  return out;
}

/** 10000 → "10 s", 2500 → "2.5 s", 500 → "500 ms". */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}
