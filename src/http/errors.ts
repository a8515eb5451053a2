// A protocol error found while reading a request. It carries the status to
// answer with. The connection always closes after it: once a request could
// not be read, where the next one begins is in doubt, and nothing after this
// point on the connection can be trusted (RFC 9112 §11, request smuggling).

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
