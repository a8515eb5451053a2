// Threads blocked in a system call do not see signals (the process gets them)
// nor the stop flag until their call returns. To stop, a master shuts down
// the descriptors they wait on: recv() on a connection shut down for reading
// returns 0 at once, as if the client had closed. Only connections waiting
// between requests are woken; one mid-request is left to finish.
import * as sys from '../sys/index.js';
import { Cell, WorkerState, type Scoreboard } from './scoreboard.js';

export function wakeIdleConnections(scoreboard: Scoreboard): void {
  for (let slot = 1; slot < scoreboard.slots; slot++) {
    const row = scoreboard.row(slot);
    const fd = row[Cell.ConnFd];
    if (fd >= 0 && row[Cell.State] === WorkerState.KeepAlive) {
      try {
        sys.shutdown(fd, 'read');
      } catch {
        /* it just closed */
      }
    }
  }
}

/** A thread that died mid-connection left its descriptor open in our one process: close it. */
export function closeLeftover(scoreboard: Scoreboard, slot: number): void {
  const row = scoreboard.row(slot);
  const fd = row[Cell.ConnFd];
  if (fd < 0) return;
  row[Cell.ConnFd] = -1;
  row[Cell.Open] = 0;
  try {
    sys.close(fd);
  } catch {
    /* closed already */
  }
}
