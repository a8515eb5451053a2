// Runs autocannon (as a library) in its own process, so the load generator
// can be pinned to the client core like wrk and does not share the bench
// process's event loop with the slow clients and the /proc sampler.
// Usage: node autocannon-child.js '<LoadSpec JSON>'; prints one JSON result.
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2] ?? '{}') as { url: string; connections: number; durationMs: number; timeoutMs: number; headers: Record<string, string> };
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationMs / 1000,
  timeout: Math.max(1, Math.round(spec.timeoutMs / 1000)),
  headers: spec.headers,
  pipelining: 1,
});
process.stdout.write(JSON.stringify(result) + '\n');
