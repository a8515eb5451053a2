// What the status page shows: one reading of the server, as plain data. The
// models layer takes it (models/status-snapshot.ts: the scoreboard of every
// worker, its system-call counters and records); the renderers here turn it
// into HTML, JSON or the Prometheus text format. This is also the JSON form,
// as is: `GET /server-status?format=json`.

/** What a worker is doing (the scoreboard's states). */
export type WorkerStateName = 'starting' | 'idle' | 'accepting' | 'reading' | 'handling' | 'writing' | 'keep-alive' | 'closing' | 'stopped';

/** Connections by what they wait for. */
export interface ConnectionStates {
  /** Open now. */
  open: number;
  /** Waiting for (or receiving) a request. */
  reading: number;
  /** The application is working on a request. */
  handling: number;
  /** A response is being sent. */
  writing: number;
  /** Idle between requests (keep-alive). */
  keepAlive: number;
  /** Closing: our FIN is out, the rest of the client's input is discarded. */
  closing: number;
}

export interface WorkerStatus {
  /** Its row in the scoreboard: 0 is the master (or the only worker). */
  slot: number;
  /** master: it accepts or supervises and serves nothing itself (a model with workers). */
  role: 'master' | 'worker';
  /** What serves here: this very process ('main'), a process of its own, a thread. */
  kind: 'main' | 'process' | 'thread';
  /** The event loop: one worker holds many connections; a blocking worker holds one. */
  loop: boolean;
  state: WorkerStateName;
  pid: number;
  threadId: number;
  startedAt: number;
  /** Connections accepted (or handed to it), requests answered: totals over the slot's life, restarts included. */
  connections: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  errors: number;
  /** Its connections now, by state. */
  open: ConnectionStates;
  /** Date.now() of its last completed response, 0 if none. */
  lastRequestAt: number;
  /** System calls its thread made through sys/ (all of them since it started). */
  syscalls: number;
  /** Date.now() when its latest recorded request ended, 0 if none was recorded. */
  tracedAt: number;
}

/** One step of a worker's recorded system-call sequence. */
export type TraceStep =
  | {
      /** The system call ('recv'), or a note that is not one of our calls ('spawn', 'thread'). */
      call: string;
      /** The descriptor it was about, or null. */
      fd: number | null;
      /** What it returned: a descriptor, a byte count…; -1 on failure. */
      result: number;
      /** errno's name on failure ('EAGAIN'), else null. */
      error: string | null;
      /** Whose call: the master's (its accept, the start of a worker) or the worker's. */
      by: 'master' | 'worker';
    }
  | {
      /** Calls left out: they were about other connections (an event loop serves many at once). */
      skipped: number;
      by: 'master' | 'worker';
    };

/** The system calls of one worker's most recent request, from its own record (and its master's). */
export interface RequestTrace {
  slot: number;
  pid: number;
  threadId: number;
  /** The connection's descriptor in the worker. */
  fd: number;
  /** Date.now() at the end of that request. */
  at: number;
  /** The worker's first calls once it started, up to its first wait (its set-up: socket, bind, listen…). */
  setup: TraceStep[];
  /** The same for its master, when it has one (a pool, a per-connection model): the master made the listening socket. */
  masterSetup: TraceStep[];
  /** The master's part for this connection (per-connection models: its accept, the start of the worker), else []. */
  master: TraceStep[];
  /** The request's own calls, in order (from its accept or the wait that saw its first bytes, to its last send or close). */
  calls: TraceStep[];
  /** Calls that were already overwritten in the record (a long or busy request): they came before the first shown. */
  lost: number;
}

export interface StatusSnapshot {
  server: { name: 'fourfold'; version: string };
  model: {
    name: string;
    summary: string;
    /** event-loop only. */
    poller: string | null;
    /** Workers of a pool (or 1), or the most connections at once of a per-connection model. */
    workers: number;
    /** How connections reach workers. */
    workersAre: 'this process' | 'processes' | 'threads';
    /** One new worker per connection (process, thread). */
    perConnection: boolean;
  };
  /** The master's pid, and every live pid of the server. */
  pid: number;
  pids: number[];
  startedAt: number;
  now: number;
  uptimeSeconds: number;
  /** The worker that answered this very request. */
  servedBy: { slot: number; pid: number; threadId: number };
  connections: ConnectionStates & { accepted: number };
  requests: {
    total: number;
    /** Completed requests per second over the last 1, 10 and 60 whole seconds (or since start, if shorter). */
    perSecond: { last1s: number; last10s: number; last60s: number };
    /** Requests completed in each of the last 60 whole seconds, oldest first. */
    lastMinute: number[];
  };
  bytes: { in: number; out: number };
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** Responses ≥ 500 plus requests refused before they were complete (malformed, too large, too slow). */
  errors: number;
  syscalls: {
    /** System calls made through sys/ by every worker (not Node's own: libuv, fs, process start). */
    total: number;
    /** total / requests (null before the first request). */
    perRequest: number | null;
    byName: Record<string, number>;
    perRequestByName: Record<string, number> | null;
  };
  scoreboard: {
    /** Rows in the scoreboard: the master's and one per worker slot (used or not). */
    slots: number;
    /** The rows that have been used, in slot order. */
    workers: WorkerStatus[];
  };
  /** Whether workers record their system calls now (while somebody watches the page, and always for a master). */
  recording: boolean;
  /** The chosen worker's most recent request (not one of the status page's own), as system calls; null when none was recorded yet. */
  trace: RequestTrace | null;
}
