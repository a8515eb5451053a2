// The peer: a minimal node:http server answering what bench/apps/hello-* and
// the lab's handler (dist/lab/fixtures/lab-app.js) answer: "/" hello, "/cpu"
// burns the lab's calibrated ~5 ms of CPU, anything else a file (cached).
// Usage: node node-http.mjs PORT [static-root]    (PORT 0: any free port; the line says which)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { burn, iterationsFromEnv } from '../../dist/lab/fixtures/burn.js';

const port = Number(process.argv[2] ?? 8081);
const root = process.argv[3];
const hello = Buffer.from('Hello, World!');
const burned = Buffer.from('burned\n');
const iterations = iterationsFromEnv();
let sink = 0;
const cache = new Map(); // static: files cached as Buffers (node:http's best case)

const server = http.createServer((req, res) => {
  if (root === undefined || req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': hello.length });
    res.end(hello);
    return;
  }
  if (req.url === '/cpu') {
    sink ^= burn(iterations);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': burned.length });
    res.end(burned);
    return;
  }
  let body = cache.get(req.url);
  if (body === undefined) {
    try {
      body = fs.readFileSync(path.join(root, path.normalize(req.url)));
    } catch {
      res.writeHead(404).end();
      return;
    }
    cache.set(req.url, body);
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
});
// Keep idle keep-alive connections as long as fourfold does in the lab (--idle-timeout 30s).
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => console.log(`node:http listening on http://127.0.0.1:${server.address().port}`));
