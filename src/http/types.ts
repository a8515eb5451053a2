// The wire types: what http/ hands to the application (a parsed Request) and
// what the application hands back (a Reply). They live here, at the bottom,
// because the protocol defines them; app/ and models/ import them from here.
// Plain data only, so they cross module, thread and process boundaries easily.

/** A request as parsed by http/, body fully received. */
export interface Request {
  /** Method token as sent, e.g. "GET". */
  readonly method: string;
  /** The request-target exactly as sent (origin-form, absolute-form, or "*"). */
  readonly target: string;
  /** Path part of the target, still percent-encoded, always starting with "/" (or "*"). */
  readonly path: string;
  /** Query without the "?", "" when there is none. */
  readonly query: string;
  /** HTTP minor version: 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minor: 0 | 1;
  /**
   * Header fields in order as a flat list [name, value, name, value, …];
   * names lower-cased, values with surrounding whitespace removed.
   */
  readonly headers: readonly string[];
  /** Request body (empty Buffer when there is none). Chunked bodies are de-chunked. */
  readonly body: Buffer;
  /** Peer address as text ("127.0.0.1", "::1") and port. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Aborted when the client goes away before the response is sent, or the server gives up on the request. */
  readonly signal: AbortSignal;
  /** First value of a header (name in lower case), or undefined. */
  header(name: string): string | undefined;
}

/** A file region to be sent with sendfile(2). */
export interface FileBody {
  readonly kind: 'file';
  /** An open file descriptor (from fs.openSync). */
  readonly fd: number;
  readonly offset: number;
  readonly length: number;
  /** The model closes fd after sending when true (false for cached descriptors). */
  readonly closeAfter: boolean;
}

/** What an application returns. */
export interface Reply {
  status: number;
  /** Optional reason phrase; the standard one for the status otherwise. */
  reason?: string;
  /**
   * Response header fields as a flat list [name, value, …] (any case).
   * Do not set Content-Length, Transfer-Encoding, Connection, Date or Server:
   * http/ writes those from the body and the connection state.
   */
  headers: string[];
  /**
   * - null: no body (Content-Length: 0 unless the status forbids a body)
   * - string / Uint8Array: a complete body
   * - FileBody: a file range sent with sendfile
   * - AsyncIterable: a stream of unknown length (chunked on HTTP/1.1,
   *   close-delimited on HTTP/1.0)
   */
  body: null | string | Uint8Array | FileBody | AsyncIterable<Uint8Array>;
}

