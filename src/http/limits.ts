// Limits that protect the server from oversized or endless input.
// Every one is a CLI flag; the defaults follow common practice (nginx, node:http).

export interface Limits {
  /** Longest request-target in bytes → 414 URI Too Long. */
  maxTarget: number;
  /** Largest header section (request line + fields) in bytes → 431. */
  maxHeaderBytes: number;
  /** Most header fields in one request → 431. */
  maxHeaderCount: number;
  /** Largest request body in bytes (after de-chunking) → 413. */
  maxBody: number;
}

export const defaultLimits: Readonly<Limits> = Object.freeze({
  maxTarget: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBody: 10 * 1024 * 1024,
});
