// A small HTTP/1.1 client on one raw TCP connection, for the fault tests and
// the soak's load generator: one request at a time (keep-alive), responses
// framed by Content-Length or chunked, and every way a client can leave —
// end() (half-close), destroy() (FIN), reset() (RST).
import net from 'node:net';

export class Conn {
  /** `connectTimeoutMs`: give up on a connect that takes this long (a full backlog drops SYNs: the kernel retries). */
  constructor(port, { host = '127.0.0.1', connectTimeoutMs = 0 } = {}) {
    this.sock = net.connect({ port, host });
    this.sock.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    this.error = null;
    this.ended = false; // the server closed (FIN or RST)
    this.waiter = null;
    this.head = false; // the request in flight is a HEAD: its response has no body
    this.connected = new Promise((resolve) => {
      const timer = connectTimeoutMs > 0 ? setTimeout(() => this.sock.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), connectTimeoutMs) : null;
      this.sock.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.sock.once('close', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    this.closed = new Promise((resolve) => this.sock.once('close', resolve));
    this.sock.on('data', (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.check();
    });
    const gone = () => {
      this.ended = true;
      this.check();
    };
    this.sock.on('end', gone);
    this.sock.on('close', gone);
    this.sock.on('error', (e) => {
      this.error ??= e;
      gone();
    });
  }

  get localPort() {
    return this.sock.localPort;
  }

  /** Send raw bytes. */
  write(data) {
    if (!this.sock.destroyed) this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Send a request; resolves with the response ({ status, headers, body: Buffer }), null if the connection ended first, 'timeout' after timeoutMs (0: never). */
  request(path, { method = 'GET', headers = {}, body = null, close = false, timeoutMs = 0 } = {}) {
    let head = `${method} ${path} HTTP/1.1\r\nHost: test\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (close) head += 'Connection: close\r\n';
    if (body !== null) head += `Content-Length: ${body.length}\r\n`;
    this.write(body === null ? head + '\r\n' : Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), Buffer.from(body)]));
    this.head = method === 'HEAD';
    return this.response(timeoutMs);
  }

  /** The next response, or null if the connection ends before it is complete; 'timeout' after ms (0: never). */
  response(ms = 0) {
    return new Promise((resolve) => {
      const timer = ms > 0 ? setTimeout(() => finish('timeout'), ms) : null;
      const finish = (v) => {
        clearTimeout(timer);
        this.waiter = null;
        resolve(v);
      };
      this.waiter = finish;
      this.check();
    });
  }

  /** Parse one complete response off the buffer, if there is one. */
  check() {
    if (this.waiter === null) return;
    const r = parseOne(this.buf, this.head);
    if (r !== null) {
      this.buf = this.buf.subarray(r.consumed);
      return this.waiter(r.response);
    }
    if (this.ended) this.waiter(null);
  }

  /** Half-close: no more requests from us (FIN); the server may still answer. */
  end() {
    this.sock.end();
  }

  /** Close (FIN) and forget. */
  destroy() {
    this.sock.destroy();
    return this.closed;
  }

  /** Close with RST (SO_LINGER 0). */
  reset() {
    if (this.sock.destroyed) return this.closed;
    if (typeof this.sock.resetAndDestroy === 'function' && this.sock.readyState === 'open') this.sock.resetAndDestroy();
    else this.sock.destroy();
    return this.closed;
  }
}

/** One response at the start of buf: { response, consumed } or null when incomplete. */
export function parseOne(buf, head = false) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0].slice(9, 12));
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const start = end + 4;
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return { response: { status, headers, body: Buffer.alloc(0) }, consumed: start };
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    let at = start;
    for (;;) {
      const nl = buf.indexOf('\r\n', at);
      if (nl < 0) return null;
      const size = parseInt(buf.subarray(at, nl).toString('latin1'), 16);
      if (Number.isNaN(size)) return null;
      if (size === 0) {
        const t = buf.indexOf('\r\n\r\n', nl); // (no trailers: at nl itself)
        if (t < 0) return null;
        return { response: { status, headers, body: Buffer.concat(parts) }, consumed: t + 4 };
      }
      if (buf.length < nl + 2 + size + 2) return null;
      parts.push(buf.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
    }
  }
  const length = Number(headers['content-length'] ?? 0);
  if (buf.length < start + length) return null;
  return { response: { status, headers, body: Buffer.from(buf.subarray(start, start + length)) }, consumed: start + length };
}

/** One request on a fresh connection, closed after (options as request()'s). */
export async function once(port, path, options = {}) {
  const c = new Conn(port);
  try {
    return await c.request(path, options);
  } finally {
    c.destroy();
  }
}

/** Connect and report how: 'connected', or the error code (ECONNREFUSED…). */
export function tryConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e) => resolve(e.code ?? e.message));
  });
}
