// The access log: one line per response, Combined Log Format (Apache/nginx)
// or JSON lines, on stdout.
//
// Lines are batched and written with one write(2) per batch of whole lines,
// each batch at most PIPE_BUF (4096) bytes: the kernel writes that much to a
// pipe atomically, so lines from many worker processes never interleave
// mid-line (to a file, use `>>`: O_APPEND writes are atomic too).
//
// Nothing is lost silently. When stdout is a pipe whose reader is slow, a
// write returns EAGAIN: the lines wait in the queue and flush() says the log
// is blocked, so the model can wait for stdout to become writable. Only when
// the queue outgrows its bound are new lines dropped — counted, and reported
// on stderr once the log drains.
import { writeSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import type { Request } from './types.js';

export type LogFormat = 'combined' | 'json' | 'off';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? '0' + n : String(n));

function clfTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Escape a value for a double-quoted CLF field (nginx's \xHH for control bytes and non-ASCII). */
function quote(s: string | undefined): string {
  if (s === undefined || s === '') return '"-"';
  return '"' + s.replace(/["\\]/g, '\\$&').replace(/[\x00-\x1f\x7f-\xff]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')) + '"';
}

const PIPE_BUF = 4096;
const QUEUE_MAX = 4 * 1024 * 1024;

export interface LogOptions {
  /** Say which worker served each line (pid, and the thread id for thread models). */
  worker?: 'process' | 'thread' | null;
  /** Where drops are reported. */
  notice?: (message: string) => void;
}

export class AccessLog {
  private lines: string[] = [];
  private sizes: number[] = []; // bytes of each line (JSON may hold non-ASCII; CLF escapes it)
  private partial: Buffer | null = null; // the unwritten end of a line longer than PIPE_BUF
  private queued = 0;
  private dropped = 0;
  private readonly who: string;
  private readonly notice: (message: string) => void;

  constructor(
    readonly format: LogFormat,
    private readonly fd = 1,
    { worker = null, notice = () => {} }: LogOptions = {},
  ) {
    this.who = worker === null ? '' : worker === 'thread' ? `${process.pid}:${threadId}` : String(process.pid);
    this.notice = notice;
  }

  get enabled(): boolean {
    return this.format !== 'off';
  }

  /** Lines waiting to be written. */
  get pending(): boolean {
    return this.lines.length > 0;
  }

  /** The queue is more than half full: time to wait for stdout rather than risk dropping lines. */
  get pressed(): boolean {
    return this.queued > QUEUE_MAX / 2;
  }

  /**
   * Record one response. `req` is null when the request could not be parsed;
   * `line` is then what arrived of its request line, if anything (escaped in
   * CLF, as nginx does). `bytes`: body bytes sent. `cut`: the response was cut
   * short (the JSON line says "incomplete": true; CLF has no field for it).
   */
  record(req: Request | null, remote: string, status: number, bytes: number, startedAt: number, line = '', cut = false): void {
    if (this.format === 'off') return;
    const now = Date.now();
    let text: string;
    if (this.format === 'json') {
      const entry: Record<string, unknown> = {
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
      };
      if (req === null && line !== '') entry.requestLine = line;
      if (cut) entry.incomplete = true;
      if (this.who !== '') entry.worker = this.who;
      text = JSON.stringify(entry) + '\n';
    } else {
      const requestLine = req ? `${req.method} ${req.target} HTTP/1.${req.minor}` : line;
      text = `${remote} - - [${clfTime(new Date(now))}] ${quote(requestLine)} ${status} ${bytes < 0 ? '-' : bytes} ${quote(req?.header('referer'))} ${quote(req?.header('user-agent'))}${this.who === '' ? '' : ' ' + this.who}\n`;
    }
    const size = this.format === 'json' ? Buffer.byteLength(text) : text.length;
    if (this.queued + size > QUEUE_MAX) {
      this.dropped++;
      return;
    }
    this.lines.push(text);
    this.sizes.push(size);
    this.queued += size;
    if (this.queued > PIPE_BUF * 4) this.flush();
  }

  /**
   * Write what is queued, in batches of whole lines. True when everything is
   * written; false when stdout is full (EAGAIN): the rest stays queued and
   * the caller may wait until fd 1 is writable and call flush() again.
   */
  flush(): boolean {
    const { lines, sizes } = this;
    let written = 0; // lines[0, written) are out (or live on in `partial`)
    try {
      if (this.partial !== null) this.partial = this.writeSome(this.partial);
      while (this.partial === null && written < lines.length) {
        let batch = lines[written];
        let size = sizes[written];
        let j = written + 1;
        while (j < lines.length && size + sizes[j] <= PIPE_BUF) {
          batch += lines[j];
          size += sizes[j++];
        }
        if (size <= PIPE_BUF) writeSync(this.fd, batch); // ≤ PIPE_BUF: all or nothing
        else this.partial = this.writeSome(Buffer.from(batch)); // one long line: it may go out in parts
        written = j;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        this.forget(written);
        return false;
      }
      // EPIPE and the like: nobody will ever read these; logging must never take the server down.
      this.dropped += lines.length - written;
      this.partial = null;
      this.forget(lines.length);
      return true;
    }
    this.forget(written);
    if (this.partial !== null) return false;
    if (this.dropped > 0) {
      this.notice(`access log: ${this.dropped} line(s) dropped: stdout was not read fast enough (queue full at ${QUEUE_MAX} bytes)`);
      this.dropped = 0;
    }
    return true;
  }

  /** Write what the pipe takes of `bytes`; the rest, or null. Throws EAGAIN when it takes nothing. */
  private writeSome(bytes: Buffer): Buffer | null {
    const n = writeSync(this.fd, bytes);
    return n >= bytes.length ? null : bytes.subarray(n);
  }

  /** The descriptor written to (for a model that waits for it to become writable). */
  get descriptor(): number {
    return this.fd;
  }

  private forget(count: number): void {
    if (count === 0) return;
    for (let k = 0; k < count; k++) this.queued -= this.sizes[k];
    this.lines = count === this.lines.length ? [] : this.lines.slice(count);
    this.sizes = count === this.sizes.length ? [] : this.sizes.slice(count);
  }
}
