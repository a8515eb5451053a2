// The status page's part in every worker (--status-path): what the hot path
// does for it, kept to plain stores, and the page itself in front of the app.
//
// Each worker thread counts its system calls into its scoreboard row (always,
// see ServerContext). With a status page it also *records* them
// (sys.recordSyscallsInto) — which call, on which descriptor, with what
// result — and marks in its row where its most recent request's calls begin
// and end, so the page can draw that request as a sequence of system calls.
// Recording costs a few stores per call, so a worker records only while
// somebody watches the page (the page's polls set Cell.WatchUntil in slot
// 0; each worker looks at it when a response is done), plus its own start-up,
// which is kept in the first entries of its record (socket, bind, listen…).
//
// The page answers only clients on the loopback interface, unless
// --status-public: it tells how the server is built and how busy it is. The
// check uses the socket's peer address (getpeername), which a request cannot
// fake; headers such as X-Forwarded-For are not looked at.
import * as sys from '../sys/index.js';
import type { App, Reply, Request } from '../app/types.js';
import type { ServerConfig } from './config.js';
import { Cell, type Scoreboard } from './scoreboard.js';

/** What the status page needs of a worker's context (a ServerContext is one). */
export interface StatusHost {
  readonly config: ServerConfig;
  readonly scoreboard: Scoreboard;
  readonly slot: number;
  readonly status: StatusWorker | null;
}

/** The page's own module (status-reply.ts), loaded on its first request. */
export interface StatusPageModule {
  statusReply(host: StatusHost, req: Request): Reply;
}

/** How long one look at the page (a poll with watch=1, or the page itself) keeps the workers recording. */
export const WATCH_MS = 10_000;
/** After a connection's last request, calls until its close() still belong to that request (blocking: recv() = 0, close()). */
const CLOSE_TAIL = 8;

/** Notes in a record: events that are not our system calls. */
export const enum Note {
  /** The master started a worker (a process: spawn; a thread: new Worker) for a connection; arg = its slot. */
  WorkerStarted = 0,
}


/** One worker thread's side of the status page (ServerContext.status). */
export class StatusWorker {
  private readonly row: Float64Array;
  private readonly record: Float64Array | null;
  private recording = false;
  private lastTo = -1;
  /** Replies after which the connection is closed (see closeAfter). */
  private readonly closing = new WeakSet<Reply>();
  /** The page's own replies: their requests are not drawn (the page would mostly show its own polls). */
  private readonly own = new WeakSet<Reply>();

  constructor(
    private readonly scoreboard: Scoreboard,
    slot: number,
  ) {
    this.row = scoreboard.row(slot);
    this.record = scoreboard.recordOf(slot);
    // The start-up is recorded (the first calls are kept); the first response decides whether to go on.
    this.setRecording(true);
  }

  /** The sequence number of this thread's next recorded call. */
  get seq(): number {
    return this.record === null ? 0 : this.record[0]!;
  }

  private setRecording(on: boolean): void {
    if (this.record === null || on === this.recording) return;
    sys.recordSyscallsInto(on ? this.record : null);
    this.recording = on;
  }

  /** Where the calls of a connection that starts now begin: at the accept() that returned it, if that was this thread's last call. */
  connectionStart(fd: number): number {
    const seq = this.seq;
    if (!this.recording) return seq;
    const last = sys.recordedCall(this.record!, seq - 1);
    return last !== null && last.name === 'accept4' && last.result === fd ? seq - 1 : seq;
  }

  /**
   * A response (`reply`) on connection `fd` is done (after finish()); its
   * calls began at `from`: they are now the worker's most recent request
   * (unless it was the status page's own). Returns where the calls of the
   * next request on it begin. Also
   * starts or stops recording, as somebody watches the page or not.
   */
  done(from: number, fd: number, reply: Reply | null): number {
    const row = this.row;
    const now = row[Cell.LastRequestAt]!; // (finish() just set it)
    if (this.recording && from >= 0 && (reply === null || !this.own.has(reply))) {
      row[Cell.TraceFrom] = from;
      row[Cell.TraceTo] = this.lastTo = this.record![0]!;
      row[Cell.TraceFd] = fd;
      row[Cell.TraceAt] = now;
      // A worker started for this connection: the master's part (its accept, the start) goes with the request.
      const handed = row[Cell.MasterTo]! > row[Cell.MasterFrom]! && from >= row[Cell.MasterFor]!;
      row[Cell.TraceMasterFrom] = handed ? row[Cell.MasterFrom]! : 0;
      row[Cell.TraceMasterTo] = handed ? row[Cell.MasterTo]! : 0;
    }
    this.setRecording(this.scoreboard.cells[Cell.WatchUntil]! > now);
    return this.seq;
  }

  /** Connection `fd` is closed: right after its last request, the calls that closed it belong to that request. */
  closed(fd: number): void {
    if (!this.recording) return;
    const row = this.row;
    const seq = this.record![0]!;
    if (row[Cell.TraceFd] === fd && row[Cell.TraceTo] === this.lastTo && seq - this.lastTo <= CLOSE_TAIL) row[Cell.TraceTo] = this.lastTo = seq;
  }

  /** The master accepted a connection for `slot` and started its worker: its calls since `from` are that worker's first part. */
  handedOff(slot: number, from: number): void {
    const row = this.scoreboard.row(slot);
    row[Cell.MasterFrom] = from;
    row[Cell.MasterTo] = this.seq;
    const record = this.scoreboard.recordOf(slot);
    row[Cell.MasterFor] = record === null ? 0 : record[0]!;
  }

  /** Put an event that is not one of our calls into the record (while recording). */
  note(note: Note, arg: number, result = 0): void {
    sys.noteInRecord(note, arg, result);
  }

  /** A reply of the status page itself. */
  ownReply(reply: Reply): Reply {
    this.own.add(reply);
    return reply;
  }

  /** Close the connection after this reply (prepare() asks). */
  closeAfter(reply: Reply): Reply {
    this.closing.add(reply);
    return reply;
  }
  closes(reply: Reply): boolean {
    return this.closing.has(reply);
  }
}

/** Is this peer address on the loopback interface (127.0.0.0/8, ::1, or 127.x as an IPv4-mapped IPv6 address)? */
export function isLoopback(address: string): boolean {
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * The app with the status page in front: requests for the status path are
 * answered here, everything else goes to the app. The page's code (reading
 * the scoreboard, the renderers) is imported on its first request: a worker
 * process started for one connection does not pay for it otherwise.
 */
export function statusApp(inner: App, host: StatusHost, load: () => Promise<StatusPageModule>): App {
  const path = host.config.status!.path;
  let page: Promise<StatusPageModule> | null = null;
  const app: App = {
    handle(req: Request) {
      if (req.path !== path) return inner.handle(req);
      return (page ??= load()).then((m) => m.statusReply(host, req));
    },
  };
  if (inner.wantsBody !== undefined) app.wantsBody = (req) => req.path !== path && inner.wantsBody!(req);
  if (inner.close !== undefined) app.close = () => inner.close!();
  return app;
}
