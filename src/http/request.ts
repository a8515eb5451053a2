// The parsed request handed to the application (see types.ts).
import type { Request } from './types.js';

const EMPTY = Buffer.alloc(0);

export class ParsedRequest implements Request {
  method = '';
  target = '';
  path = '';
  query = '';
  minor: 0 | 1 = 1;
  headers: string[] = [];
  body: Buffer = EMPTY;
  remoteAddress = '';
  remotePort = 0;

  private controller: AbortController | null = null;

  /** Aborted when the client goes away (or the server gives up) before the response is sent. Made on first use. */
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  /** The model saw the client go (EOF, reset) or gave up on the request: tell whoever listens on `signal`. */
  abort(reason: string): void {
    const c = (this.controller ??= new AbortController());
    if (!c.signal.aborted) c.abort(new DOMException(reason, 'AbortError'));
  }

  header(name: string): string | undefined {
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }
}
