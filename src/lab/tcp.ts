// What the kernel holds for the server, from /proc/net/tcp: connections
// waiting in the listen socket's accept queue (the kernel completed the
// handshake, the server has not called accept() yet) and connections the
// server accepted. A server that serves one client at a time, or whose pool
// is busy, leaves the rest in the accept queue — this is where they wait.
// (For a listening socket the kernel reports its accept-queue length as
// rx_queue; for an established one, the bytes not yet read.)
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TcpState {
  /** Sum over the listening sockets on the port (several with SO_REUSEPORT). */
  acceptQueue: number;
  /** Server-side connections the server has accepted (established minus queued). */
  accepted: number;
  /** Accepted connections with request bytes the server has not read. */
  unread: number;
}

const LISTEN = '0A';
const ESTABLISHED = '01';

/** One reading for the server on 127.0.0.1:port (IPv4: the lab binds 127.0.0.1 only). */
export function tcpState(port: number): TcpState | null {
  let text: string;
  try {
    text = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return null;
  }
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  let acceptQueue = 0;
  let established = 0;
  let unread = 0;
  let pos = text.indexOf('\n') + 1;
  while (pos > 0 && pos < text.length) {
    const end = text.indexOf('\n', pos);
    const line = text.slice(pos, end < 0 ? undefined : end);
    pos = end < 0 ? -1 : end + 1;
    // "  sl: local rem st tx:rx …": only lines whose local address is the server's port.
    if (!line.includes(local)) continue;
    const f = line.trim().split(/\s+/);
    if (!f[1]?.endsWith(local.trim())) continue;
    const rx = parseInt(f[4]!.split(':')[1]!, 16);
    if (f[3] === LISTEN) acceptQueue += rx;
    else if (f[3] === ESTABLISHED) {
      established++;
      if (rx > 0) unread++;
    }
  }
  return { acceptQueue, accepted: Math.max(0, established - acceptQueue), unread };
}

/**
 * Wait (up to limitMs) until the server has nothing in its accept queue and no
 * connection open: the load that just ended has been worked off.
 */
export async function waitIdle(port: number, limitMs: number): Promise<boolean> {
  const until = performance.now() + limitMs;
  for (;;) {
    const t = tcpState(port);
    if (t === null || (t.acceptQueue === 0 && t.accepted === 0)) return true;
    if (performance.now() >= until) return false;
    await sleep(100);
  }
}

export interface TcpPeaks extends TcpState {
  samples: number;
}

/** Peaks of the kernel's view while a load runs (sampled; connections ≤ a few thousand). */
export class TcpSampler {
  private timer: NodeJS.Timeout | null = null;
  private peaks: TcpPeaks = { acceptQueue: 0, accepted: 0, unread: 0, samples: 0 };

  constructor(
    private readonly port: number,
    private readonly intervalMs = 200,
  ) {}

  start(): this {
    // First sample after the load has ramped up, then every interval.
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): TcpPeaks {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return { ...this.peaks };
  }

  private sample(): void {
    const s = tcpState(this.port);
    if (s === null) return;
    this.peaks.samples++;
    this.peaks.acceptQueue = Math.max(this.peaks.acceptQueue, s.acceptQueue);
    this.peaks.accepted = Math.max(this.peaks.accepted, s.accepted);
    this.peaks.unread = Math.max(this.peaks.unread, s.unread);
  }
}
