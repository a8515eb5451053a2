// Everything a model needs to serve connections, built once by serve().
import type { App } from '../app/types.js';
import type { Limits } from '../http/index.js';
import type { AccessLog } from '../app/access-log.js';
import { Scoreboard, Cell } from './scoreboard.js';

export interface Timeouts {
  /** A request head (and body) must arrive within this many ms of its first byte. */
  headerMs: number;
  /** A keep-alive connection may wait this long for its next request. */
  idleMs: number;
  /** A send that makes no progress for this long gives up. */
  sendMs: number;
}

export class ServerContext {
  /** Set on SIGINT/SIGTERM or close(): finish what is in flight, accept nothing new. */
  stopping = false;
  /** This worker's row in the scoreboard. */
  readonly row: Float64Array;

  constructor(
    readonly app: App,
    readonly limits: Limits,
    readonly timeouts: Timeouts,
    readonly log: AccessLog,
    readonly scoreboard: Scoreboard = new Scoreboard(1),
    slot = 0,
    /** Server messages (not the access log): to stderr unless quiet. */
    readonly notice: (message: string) => void = (m) => process.stderr.write(`fourfold: ${m}\n`),
  ) {
    this.row = scoreboard.row(slot);
    this.row[Cell.Pid] = process.pid;
  }
}
