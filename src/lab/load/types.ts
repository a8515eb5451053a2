// What a load generator is asked to do, and what it reports.

export interface LoadSpec {
  /** Full URL, always on 127.0.0.1. */
  url: string;
  connections: number;
  durationMs: number;
  /** A request unanswered for this long counts as a timeout. */
  timeoutMs: number;
  headers: Record<string, string>;
  /** taskset CPU list for the generator, or null. */
  cpus: string | null;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadErrors {
  connect: number;
  read: number;
  write: number;
  /** Responses that were not 2xx/3xx. */
  status: number;
  timeout: number;
}

export interface LoadResult {
  client: 'wrk' | 'autocannon';
  /** Responses received (any status). */
  requests: number;
  durationS: number;
  rps: number;
  bytes: number;
  /** Milliseconds; null when not one response arrived. */
  latencyMs: Latency | null;
  /** Smallest latency step the client can report, in ms. */
  latencyResolutionMs: number;
  errors: LoadErrors;
  /** The generator's own output, for results.json. */
  raw: string;
}

export interface LoadClient {
  name: 'wrk' | 'autocannon';
  version: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}

export const errorTotal = (e: LoadErrors): number => e.connect + e.read + e.write + e.status + e.timeout;
