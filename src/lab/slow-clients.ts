// Slow clients (slowloris-style): each opens a connection and trickles its
// request head one byte at a time, never finishing it. A server that gives
// a connection a whole process or thread until its request is read is held
// by each of them; an event loop just has one more descriptor to watch.
// When a server gives up on one (408 after --header-timeout) it reconnects,
// so the pressure stays on for the whole scenario.
import net from 'node:net';

export interface SlowReport {
  clients: number;
  /** Connections the server closed on a slow client (it reconnected). */
  closedByServer: number;
  bytesTrickled: number;
}

export class SlowClients {
  private sockets = new Set<net.Socket>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closedByServer = 0;
  private bytes = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly count: number,
    private readonly intervalMs = 100,
  ) {}

  /** Resolves when every slow client's connection is established (accepted by the kernel, at least). */
  async start(): Promise<void> {
    this.running = true;
    await Promise.all(Array.from({ length: this.count }, () => this.open()));
    // One byte per client per tick: a header line that never ends.
    this.timer = setInterval(() => {
      for (const s of this.sockets) {
        if (s.writable) {
          s.write('a');
          this.bytes++;
        }
      }
    }, this.intervalMs);
  }

  private open(): Promise<void> {
    return new Promise((resolve) => {
      const s = net.connect(this.port, this.host);
      this.sockets.add(s);
      s.setNoDelay(true);
      s.once('connect', () => {
        s.write(`GET /slow HTTP/1.1\r\nHost: ${this.host}\r\nX-Trickle: `);
        resolve();
      });
      s.on('data', () => {}); // a 408 or 503, read and dropped
      s.on('error', () => {});
      s.once('close', () => {
        this.sockets.delete(s);
        resolve();
        if (this.running) {
          this.closedByServer++;
          setTimeout(() => this.running && void this.open(), 50).unref();
        }
      });
    });
  }

  stop(): SlowReport {
    this.running = false;
    if (this.timer !== null) clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return { clients: this.count, closedByServer: this.closedByServer, bytesTrickled: this.bytes };
  }
}
