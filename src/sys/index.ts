// sys/: the kernel boundary.
//
// A program's own code runs in user mode: the CPU lets it compute and touch
// its own memory, but not the hardware — not the network card, not the disk.
// The kernel runs in kernel mode, with unrestricted access to the machine. A
// system call is how a program asks the kernel to do something for it: open
// a socket, wait for a connection, move these bytes. Each call here is a C
// function of the C library (libc), called from JavaScript through koffi,
// which in turn traps into the kernel.
//
// A file descriptor is just a small integer that refers to an open file
// object of this process, kept by the kernel: a socket, a file, an epoll
// instance. A socket stands for one end of a communication channel of the
// kernel's TCP/IP stack; the program names it by its number in every call.
//
// What this directory adds: typed calls, errno turned into readable errors,
// socket addresses, counters (and an optional trace) of every call, and the
// bridge into Node's event loop. Nothing above it knows a syscall number or
// a struct layout.

export { platform } from './constants.js';
export { SysError, sysError, errnoName, type ErrorContext } from './errors.js';
export {
  type SocketAddress,
  encodeSockaddr,
  decodeSockaddr,
  numericHost,
  familyOf,
  SOCKADDR_MAX,
} from './sockaddr.js';
export { WOULD_BLOCK, INTERRUPTED, IN_PROGRESS } from './results.js';
export {
  type ListenOptions,
  socket,
  setReuseAddr,
  setReusePort,
  setNoDelay,
  setIpv6Only,
  setRecvTimeout,
  setSendTimeout,
  setNonBlocking,
  bind,
  listen,
  listenTcp,
  accept,
  acceptWithPeer,
  acceptedPeer,
  close,
  shutdown,
  localAddress,
  remoteAddress,
} from './socket.js';
export { connect, connectTcp, socketError } from './connect.js';
export { recv, send, sendv, sendfile, SENDFILE_CHUNK } from './transfer.js';
export { epollCreate, epollCtl, epollWait, EpollEvents } from './epoll.js';
export { PollSet, poll } from './poll.js';
export { FdSet, select } from './select.js';
export { UvPoll, type UvPollCallback, uvBackendFd } from './uv.js';
export { type SharedMemory, createSharedMemory, mapSharedMemory } from './shared-memory.js';
export { setParentDeathSignal, parentPid, threadId } from './process.js';
export { statPath, Stat } from './file.js';
export { type Syscall, SYSCALLS, syscallCounts, countSyscallsInto } from './syscalls.js';
export {
  type SyscallEvent,
  enableSyscallTrace,
  disableSyscallTrace,
  onSyscall,
  type RecordedCall,
  type RecordRead,
  RECORD_FIRST,
  NOTE_BASE,
  recordCells,
  recordSyscallsInto,
  recordingSyscalls,
  noteInRecord,
  readRecord,
  recordedCall,
} from './trace.js';
