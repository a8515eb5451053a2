// wrk (C, epoll) as the load generator: it steals less CPU from the server
// than a Node client would. One thread, N connections, pinned to the client
// core. Latency percentiles come from wrk's own HDR histogram, printed as one
// JSON line by the Lua done() hook below (µs resolution).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBounded } from '../spawn.js';
import { pinned } from '../pin.js';
import type { LoadClient, LoadResult, LoadSpec } from './types.js';

const MARK = 'FOURFOLD_WRK ';

// wrk calls done() once, after the run, with its summary and latency histogram.
const DONE_LUA = `-- written by fourfold bench: print wrk's figures as one JSON line
done = function(summary, latency, requests)
  local e = summary.errors
  local lat = 'null'
  if summary.requests > 0 then
    lat = string.format('{"min":%d,"max":%d,"mean":%.3f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}',
      latency.min, latency.max, latency.mean,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9))
  end
  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":%s}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, lat))
end
`;

interface WrkJson {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { min: number; max: number; mean: number; p50: number; p90: number; p99: number; p999: number } | null;
}

/** wrk takes whole seconds for -d and --timeout. */
const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

export function wrkClient(version: string, scratchDir: string): LoadClient {
  const script = path.join(scratchDir, 'fourfold-done.lua');
  writeFileSync(script, DONE_LUA);
  return {
    name: 'wrk',
    version,
    async run(spec: LoadSpec): Promise<LoadResult> {
      const args = ['wrk', '-t1', `-c${spec.connections}`, `-d${seconds(spec.durationMs)}`, '--timeout', seconds(spec.timeoutMs), '-s', script];
      for (const [k, v] of Object.entries(spec.headers)) args.push('-H', `${k}: ${v}`);
      args.push(spec.url);
      const out = await runBounded(pinned(args, spec.cpus), spec.durationMs + 15_000);
      const line = out.stdout.split('\n').find((l) => l.startsWith(MARK));
      if (line === undefined) throw new Error(`wrk gave no figures (exit ${out.code ?? out.signal}${out.timedOut ? ', killed: did not stop' : ''}): ${(out.stderr || out.stdout).trim().slice(0, 400)}`);
      const j = JSON.parse(line.slice(MARK.length)) as WrkJson;
      const durationS = j.duration_us / 1e6;
      const l = j.latency_us;
      return {
        client: 'wrk',
        requests: j.requests,
        durationS,
        rps: durationS > 0 ? j.requests / durationS : 0,
        bytes: j.bytes,
        latencyMs: l === null ? null : { p50: l.p50 / 1000, p90: l.p90 / 1000, p99: l.p99 / 1000, max: l.max / 1000, mean: l.mean / 1000 },
        latencyResolutionMs: 0.001,
        errors: { ...j.errors },
        raw: out.stdout.trim(),
      };
    },
  };
}
