// The access log: one line per response, Combined Log Format (Apache/nginx)
// or JSON lines. Lines are batched and written with one write(2) per batch;
// a blocking model flushes before it blocks, an event loop once per turn.
import { writeSync } from 'node:fs';
import type { Request } from './types.js';

export type LogFormat = 'combined' | 'json' | 'off';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? '0' + n : String(n));

function clfTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Escape a value for a double-quoted CLF field. */
function quote(s: string | undefined): string {
  if (s === undefined || s === '') return '"-"';
  return '"' + s.replace(/["\\]/g, '\\$&').replace(/[\x00-\x1f\x7f-\xff]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')) + '"';
}

export class AccessLog {
  private pending = '';
  constructor(
    readonly format: LogFormat,
    private readonly fd = 1,
  ) {}

  get enabled(): boolean {
    return this.format !== 'off';
  }

  /** Record one response. `req` is null when the request could not be parsed. */
  record(req: Request | null, remote: string, status: number, bytes: number, startedAt: number): void {
    if (this.format === 'off') return;
    const now = Date.now();
    if (this.format === 'json') {
      this.pending +=
        JSON.stringify({
          time: new Date(now).toISOString(),
          remote,
          method: req?.method ?? null,
          target: req?.target ?? null,
          version: req ? `1.${req.minor}` : null,
          status,
          bytes: bytes < 0 ? null : bytes,
          ms: now - startedAt,
          referer: req?.header('referer') ?? null,
          userAgent: req?.header('user-agent') ?? null,
        }) + '\n';
    } else {
      const line = req ? `${req.method} ${req.target} HTTP/1.${req.minor}` : '';
      this.pending += `${remote} - - [${clfTime(new Date(now))}] ${quote(line)} ${status} ${bytes < 0 ? '-' : bytes} ${quote(req?.header('referer'))} ${quote(req?.header('user-agent'))}\n`;
    }
    if (this.pending.length > 16384) this.flush();
  }

  flush(): void {
    if (this.pending === '') return;
    const s = this.pending;
    this.pending = '';
    try {
      writeSync(this.fd, s);
    } catch {
      // stdout closed (EPIPE): logging must never take the server down.
    }
  }
}
