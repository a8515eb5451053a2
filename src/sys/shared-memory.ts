// Memory that several processes and threads see at once: the scoreboard,
// whose cells each worker writes and the master reads, lives in it.
//
// memfd_create makes an anonymous file that exists only in RAM and is known
// only by its descriptor; ftruncate gives it a size; mmap(MAP_SHARED) maps its
// pages into our address space. Every mapping of the same memfd — here, in a
// worker thread, or in a child process that inherited the descriptor — is a
// window on the same physical pages: what one writes, all see.
//
// Giving it to a child process. The descriptor is close-on-exec (MFD_CLOEXEC),
// so it does not leak into every program we start. To hand it to one child,
// put it in that child's stdio array:
//
//     child_process.spawn(node, [script], { stdio: ['ignore', 'pipe', 'pipe', memory.fd] })
//
// libuv dup2()s it onto descriptor 3 in the child, and the copy dup2 makes
// does not carry close-on-exec; the child calls mapSharedMemory(3, size).
// A worker thread shares our descriptor table: send it the number, not the
// ArrayBuffer (postMessage would copy the bytes), and let it map the fd itself.
//
// Lifetime. The ArrayBuffer over a mapping does not own the memory and cannot
// be detached, so there is no safe moment to munmap by hand: a Float64Array
// on it may still be reachable somewhere, and touching unmapped memory kills
// the process. So nothing here unmaps on request. A FinalizationRegistry
// unmaps a region only after the garbage collector has found its ArrayBuffer —
// and so every view on it — unreachable; keep a reference while you use it.
// Closing the descriptor unmaps nothing (the mapping keeps the pages alive).

import fs from 'node:fs';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno, view } from './ffi.js';
import { close } from './socket.js';
import { kernel } from './syscalls.js';

export interface SharedMemory {
  /** The memfd: pass it to children (stdio slot) or worker threads (by number) to share the pages. */
  readonly fd: number;
  /** This process's mapping of it, zero-filled at first. */
  readonly bytes: ArrayBuffer;
  readonly size: number;
}

/** `size` bytes of fresh shared memory, mapped here; `name` shows in /proc/<pid>/maps as memfd:<name>. */
export function createSharedMemory(size: number, name = 'fourfold'): SharedMemory {
  checkSize(size);
  const fd = kernel.memfd_create(name, P.MFD_CLOEXEC | P.MFD_ALLOW_SEALING);
  if (fd < 0) throw sysError('memfd_create', errno());
  try {
    if (kernel.ftruncate(fd, size) < 0) throw sysError('ftruncate', errno(), { fd });
    // Sealed at this size: no process can shrink it under another's mapping.
    if (kernel.fcntl(fd, P.F_ADD_SEALS, 'int', P.F_SEAL_SHRINK | P.F_SEAL_GROW) < 0) {
      throw sysError('fcntl F_ADD_SEALS', errno(), { fd });
    }
    return { fd, bytes: mapSharedMemory(fd, size), size };
  } catch (error) {
    close(fd);
    throw error;
  }
}

/**
 * Map the first `size` bytes of the shared memory `fd` (a memfd from
 * createSharedMemory, here or inherited) once more: a new view of the same pages.
 */
export function mapSharedMemory(fd: number, size: number): ArrayBuffer {
  checkSize(size);
  // Bytes past the end of the file cannot be touched (SIGBUS), so refuse to map them.
  const have = fs.fstatSync(fd).size;
  if (have < size) throw new RangeError(`mapSharedMemory: fd ${fd} holds ${have} bytes, fewer than ${size}`);
  const address = kernel.mmap(0, size, P.PROT_READ | P.PROT_WRITE, P.MAP_SHARED, fd, 0);
  if (address < 0) throw sysError('mmap', errno(), { fd }); // MAP_FAILED, (void *)-1
  const bytes = view(address, size);
  mappings.register(bytes, { address, size });
  return bytes;
}

// Unmaps a region once its ArrayBuffer has been collected (see "Lifetime" above).
const mappings = new FinalizationRegistry<{ address: number; size: number }>(({ address, size }) => {
  kernel.munmap(address, size); // cannot fail for a region mmap gave us
});

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`shared memory: invalid size ${size}`);
}
