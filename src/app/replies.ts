// Replies the application builds itself. The plain-text error replies are
// http/'s (errorReply); the ones answered on every miss are built once and
// frozen, so http/ encodes them once too.
import { errorReply } from '../http/index.js';
import type { Reply } from './types.js';

/** A reply and its header list, frozen: a promise to http/ that they never change. */
export function frozen(reply: Reply): Reply {
  Object.freeze(reply.headers);
  return Object.freeze(reply);
}

/** "404 Not Found" as text/plain, shared by every miss. */
export const NOT_FOUND: Reply = frozen(errorReply(404));
