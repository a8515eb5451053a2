// OPTIONAL HOOK — syscalls per request from the server's own counters.
//
// A status endpoint with per-syscall counters (fed by the scoreboard) is
// being built in src/app / src/models; it does not exist yet, so this
// function measures nothing and says so: it returns null, and the report
// prints "not exposed by the server" rather than a figure. When the endpoint
// lands, read it here — before and after a measurement, as
// `{ [syscall]: count }` — and the lab divides the difference by the
// requests served; nothing else in the lab needs to change.
//
// Until then, syscalls per request are measured outside the server with
// `strace -f -c` by bench/strace-models.mjs (figures in docs/models.md).

export type SyscallCounts = Record<string, number>;

/** The server's cumulative syscall counters, or null when it exposes none (today: always). */
export async function readSyscallCounters(_baseUrl: string): Promise<SyscallCounts | null> {
  return null;
}

/** Per-request difference of two readings (null if either is missing or no request was served). */
export function syscallsPerRequest(before: SyscallCounts | null, after: SyscallCounts | null, requests: number): SyscallCounts | null {
  if (before === null || after === null || requests <= 0) return null;
  const out: SyscallCounts = {};
  for (const [name, n] of Object.entries(after)) out[name] = (n - (before[name] ?? 0)) / requests;
  return out;
}
