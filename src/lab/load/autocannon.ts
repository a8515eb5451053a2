// autocannon, the fallback load generator when wrk is not installed. Runs in
// a child process (autocannon-child.js), pinned like wrk. Its latencies come
// from its own HDR histogram (hdr-histogram-js), in whole milliseconds.
import { fileURLToPath } from 'node:url';
import { runBounded } from '../spawn.js';
import { pinned } from '../pin.js';
import type { LoadClient, LoadResult, LoadSpec } from './types.js';

const CHILD = fileURLToPath(new URL('./autocannon-child.js', import.meta.url));

interface AutocannonResult {
  requests: { total: number };
  throughput: { total: number };
  duration: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number; totalCount: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '3xx': number;
  resets: number;
}

export function autocannonClient(version: string): LoadClient {
  return {
    name: 'autocannon',
    version,
    async run(spec: LoadSpec): Promise<LoadResult> {
      const argv = pinned([process.execPath, CHILD, JSON.stringify(spec)], spec.cpus);
      const out = await runBounded(argv, spec.durationMs + 15_000);
      const line = out.stdout.trim().split('\n').pop() ?? '';
      let r: AutocannonResult;
      try {
        r = JSON.parse(line) as AutocannonResult;
      } catch {
        throw new Error(`autocannon gave no figures (exit ${out.code ?? out.signal}): ${out.stderr.trim().slice(0, 400)}`);
      }
      const requests = r.requests.total;
      const l = r.latency;
      // autocannon's `errors` include its timeouts; count those once, as timeouts.
      const timeouts = r.timeouts ?? 0;
      return {
        client: 'autocannon',
        requests,
        durationS: r.duration,
        rps: r.duration > 0 ? requests / r.duration : 0,
        bytes: r.throughput.total,
        latencyMs: requests > 0 ? { p50: l.p50, p90: l.p90, p99: l.p99, max: l.max, mean: l.mean } : null,
        latencyResolutionMs: 1,
        errors: { connect: 0, read: Math.max(0, (r.errors ?? 0) - timeouts) + (r.resets ?? 0), write: 0, status: Math.max(0, (r.non2xx ?? 0) - (r['3xx'] ?? 0)), timeout: timeouts },
        raw: line,
      };
    },
  };
}
