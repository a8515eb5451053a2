// The well-known port: the listening socket serve() opens before it hands
// over to a model — socket(), bind(), listen() — and the address it got.
import * as sys from '../sys/index.js';
import { StartError, type ServerConfig } from './config.js';

export interface Listener {
  /** The listening socket; or, for a model whose workers each listen on the port themselves, a bound socket that never listens. */
  readonly fd: number;
  readonly listening: boolean;
  /** The numeric address and port actually bound (port 0 becomes the one the kernel chose). */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly url: string;
}

/**
 * Bind the configured address. With `listen: false` the socket is only bound,
 * with SO_REUSEPORT: it reserves the port (a restarted worker can always bind
 * it again) but receives no connections — those go to the workers' own
 * SO_REUSEPORT listeners, and the kernel spreads new connections over them.
 */
export function openListener(config: Pick<ServerConfig, 'host' | 'port' | 'backlog' | 'timeouts'>, { listen = true } = {}): Listener {
  let fd: number;
  try {
    if (listen) fd = sys.listenTcp(config.host, config.port, { backlog: config.backlog });
    else {
      fd = sys.socket(sys.familyOf(config.host));
      try {
        sys.setReuseAddr(fd, true);
        sys.setReusePort(fd, true);
        sys.bind(fd, config.host, config.port);
      } catch (e) {
        sys.close(fd);
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof sys.SysError) throw new StartError(e.message);
    throw e;
  }
  if (listen) inheritable(fd, config);
  const bound = sys.localAddress(fd);
  return {
    fd,
    listening: listen,
    host: bound.address,
    port: bound.port,
    family: bound.family,
    url: `http://${bound.family === 6 ? `[${bound.address}]` : bound.address}:${bound.port}`,
  };
}

/** A worker's own listening socket on the reserved port (SO_REUSEPORT), non-blocking for a reactor. */
export function listenOnReservedPort(config: Pick<ServerConfig, 'host' | 'port' | 'backlog' | 'timeouts'>): number {
  const fd = sys.listenTcp(config.host, config.port, { backlog: config.backlog, reusePort: true });
  inheritable(fd, config);
  return fd;
}

/**
 * Options set once on the listening socket, which Linux copies to every
 * connection accept() returns — one setsockopt per server instead of one per
 * connection: TCP_NODELAY (small responses leave at once, no Nagle delay) and
 * SO_SNDTIMEO (a blocking send gives up on a client that stops reading).
 */
function inheritable(fd: number, config: Pick<ServerConfig, 'timeouts'>): void {
  sys.setNoDelay(fd, true);
  sys.setSendTimeout(fd, config.timeouts.sendMs);
}
