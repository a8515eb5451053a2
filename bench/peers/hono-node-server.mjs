// The peer for the fetch path: @hono/node-server running a fetch-style module.
// Usage: node hono-node-server.mjs PORT MODULE
import { serve } from '@hono/node-server';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const port = Number(process.argv[2] ?? 8082);
const mod = (await import(pathToFileURL(path.resolve(process.argv[3] ?? 'bench/apps/hello-fetch.mjs')).href)).default;
serve({ fetch: (req) => mod.fetch(req), port, hostname: '127.0.0.1' }, () =>
  console.log(`@hono/node-server listening on http://127.0.0.1:${port}`),
);
