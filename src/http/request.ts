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

  header(name: string): string | undefined {
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }
}
