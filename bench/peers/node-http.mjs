// The peer: a minimal node:http server answering what bench/apps/hello-* answer.
// Usage: node node-http.mjs PORT [static-root]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const port = Number(process.argv[2] ?? 8081);
const root = process.argv[3];
const hello = Buffer.from('Hello, World!');
const cache = new Map(); // static: files cached as Buffers (node:http's best case)

http
  .createServer((req, res) => {
    if (root === undefined || req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': hello.length });
      res.end(hello);
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
  })
  .listen(port, '127.0.0.1', () => console.log(`node:http listening on http://127.0.0.1:${port}`));
