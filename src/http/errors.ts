// A protocol error found while reading a request. It always carries the status
// to answer with; `close` is true when the framing of the stream is in doubt,
// so nothing after this point on the connection can be trusted (RFC 9112 §11).

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly close = true,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
