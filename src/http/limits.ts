// Limits that protect the server from oversized or endless input, and every
// decision taken on them: the state machine and the head parser ask here.
// Every limit is a CLI flag; the defaults follow common practice (nginx, node:http).
import { HttpError } from './errors.js';

export interface Limits {
  /** Longest request-target in bytes → 414 URI Too Long. */
  maxTarget: number;
  /** Largest header section in bytes, its field lines only (the request line is bounded by maxTarget) → 431. */
  maxHeaderBytes: number;
  /** Most header fields in one request → 431. */
  maxHeaderCount: number;
  /** Largest request body in bytes as sent (chunk framing included) → 413. */
  maxBody: number;
  /** Most bytes all request bodies of one worker process may hold at once → 503 for a body beyond it. */
  maxBodyMemory: number;
}

export const defaultLimits: Readonly<Limits> = Object.freeze({
  maxTarget: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  // nginx's client_max_body_size: uploads larger than 1 MiB are the exception, and an opt-in.
  maxBody: 1024 * 1024,
  maxBodyMemory: 256 * 1024 * 1024,
});

/** Room for the request line's method, version and CRLF around a target of maxTarget bytes. */
const LINE_SLACK = 1024;

/**
 * While a head is still incomplete (`size` bytes so far; `lineLength`, the
 * request line's length once its LF has arrived, else -1): has it already
 * grown past any head we would accept? 414 for a request line too long
 * (still open, or ended: the verdict must not depend on where the bytes were
 * split), 431 for the rest. The exact checks follow when the head is
 * complete (checkTarget, checkHeaderSection).
 */
export function headOverflow(size: number, lineLength: number, limits: Limits): HttpError | null {
  if ((lineLength < 0 ? size : lineLength) > limits.maxTarget + LINE_SLACK) return new HttpError(414, 'request target too long');
  if (size > limits.maxTarget + limits.maxHeaderBytes + LINE_SLACK) return new HttpError(431, 'request header section too large');
  return null;
}

/** request-target longer than maxTarget → 414 URI Too Long (RFC 9112 §3). */
export function checkTarget(length: number, limits: Limits): void {
  if (length > limits.maxTarget) throw new HttpError(414, 'request target too long');
}

/** Header section (after the request line) larger than maxHeaderBytes → 431 (RFC 6585 §5). */
export function checkHeaderSection(length: number, limits: Limits): void {
  if (length > limits.maxHeaderBytes) throw new HttpError(431, 'request header section too large');
}

/** More than maxHeaderCount fields → 431. `count` is the number of fields including the new one. */
export function checkFieldCount(count: number, limits: Limits): void {
  if (count > limits.maxHeaderCount) throw new HttpError(431, 'too many header fields');
}
