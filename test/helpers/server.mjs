// Start the real CLI as a child process and talk to it over real sockets.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

const LISTENING = /fourfold listening on http:\/\/(\[[^\]]+\]|[^:/\s]+):(\d+)/;

/**
 * Run `fourfold serve ...args` and resolve once it prints its listening line.
 * Returns { host, port, url, proc, output(), stop(signal) }.
 * `command`: another command that serves ('demo'); `cwd`: where it runs (default: the repository).
 * `prefix`: a command that execs the server, e.g. ['prlimit', '--nofile=64:64'] (its pid stays the server's).
 */
export function startServer(args = [], { env = {}, timeoutMs = 15000, command = 'serve', cwd = ROOT, prefix = [] } = {}) {
  const [file, ...argv] = [...prefix, process.execPath, CLI, command, '--port', '0', '--log', 'off', ...args];
  const proc = spawn(file, argv, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    // The listening line is on stderr (stdout is the access log's); older builds printed it on stdout.
    const check = () => {
      const m = LISTENING.exec(err) ?? LISTENING.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout.off('data', check);
      proc.stderr.off('data', check);
      const host = m[1].replace(/^\[|\]$/g, '');
      const port = Number(m[2]);
      resolve({
        host,
        port,
        url: `http://${m[1]}:${port}`,
        proc,
        exited,
        output: () => ({ stdout: out, stderr: err }),
        async stop(signal = 'SIGTERM') {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
          const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
          const r = await exited;
          clearTimeout(killer);
          return r;
        },
      });
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** Run the CLI to completion: resolves { code, stdout, stderr }. */
export function runCli(args, { timeoutMs = 15000, env = {} } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Send raw bytes over a fresh TCP connection and collect everything the server
 * sends until it closes the connection (or idleMs passes without data).
 * split: 'whole' writes all at once; 'bytes' writes one byte per write with
 * a tiny pause so the server really sees them separately.
 */
export function rawExchange(port, data, { host = '127.0.0.1', split = 'whole', idleMs = 1500, endAfterWrite = false } = {}) {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    sock.setNoDelay(true);
    const chunks = [];
    let idle;
    let closedByServer = false;
    const finish = () => {
      clearTimeout(idle);
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), bytes: Buffer.concat(chunks), closed: closedByServer });
    };
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, idleMs);
    };
    sock.on('data', (d) => {
      chunks.push(d);
      arm();
    });
    sock.on('end', () => {
      closedByServer = true;
      finish();
    });
    sock.on('error', (e) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') {
        closedByServer = true;
        finish();
      } else reject(e);
    });
    sock.on('connect', async () => {
      arm();
      try {
        if (split === 'whole') sock.write(bytes);
        else {
          for (let i = 0; i < bytes.length; i++) {
            if (sock.destroyed) break;
            sock.write(bytes.subarray(i, i + 1));
            await new Promise((r) => setImmediate(r));
          }
        }
        if (endAfterWrite) sock.end();
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Split a byte stream of HTTP responses into { status, reason, headers(lowercased map of arrays), body }. */
export function parseResponses(text, { headRequests = 0 } = {}) {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const lines = rest.slice(0, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
    if (!m) break;
    const headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).toLowerCase();
      (headers[name] ??= []).push(line.slice(i + 1).trim());
    }
    rest = rest.slice(end + 4);
    const status = Number(m[1]);
    let body = '';
    const isHead = out.length < headRequests;
    if (status === 204 || status === 304 || (status >= 100 && status < 200) || isHead) {
      body = '';
    } else if (headers['transfer-encoding']?.[0]?.toLowerCase() === 'chunked') {
      for (;;) {
        const nl = rest.indexOf('\r\n');
        const size = nl < 0 ? NaN : parseInt(rest.slice(0, nl), 16);
        if (Number.isNaN(size)) {
          // A body cut short (the connection ended mid-chunk): what arrived, and nothing after it.
          rest = '';
          break;
        }
        rest = rest.slice(nl + 2);
        if (size === 0) {
          const t = rest.indexOf('\r\n\r\n');
          rest = rest.startsWith('\r\n') ? rest.slice(2) : rest.slice(t + 4);
          break;
        }
        body += rest.slice(0, size);
        rest = rest.slice(size + 2);
      }
    } else if (headers['content-length']) {
      const n = Number(headers['content-length'][0]);
      body = rest.slice(0, n);
      rest = rest.slice(n);
    } else {
      body = rest;
      rest = '';
    }
    out.push({ status, reason: m[2], headers, body });
  }
  return out;
}
