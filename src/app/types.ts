// The application every model runs, in the terms of http/'s wire types.
import type { Reply, Request } from '../http/types.js';

export type { Reply, Request, FileBody } from '../http/types.js';

/** The application every model runs: one call per request. */
export interface App {
  handle(request: Request): Reply | Promise<Reply>;
  /**
   * Will handle() read this request's body? Asked when the head is complete;
   * false lets the server discard the body as it arrives instead of holding
   * it in memory (a static file, a 405). Absent: every body is kept.
   */
  wantsBody?(request: Request): boolean;
  /** Called once when the server shuts down (close cached descriptors, etc.). */
  close?(): void | Promise<void>;
}
