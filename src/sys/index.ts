// sys/: the kernel boundary. Typed syscalls over koffi, errno turned into
// readable errors, socket addresses, and the bridge into Node's event loop.
// Nothing above this directory knows a syscall number or a struct layout.

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
export {
  WOULD_BLOCK,
  INTERRUPTED,
  type ListenOptions,
  socket,
  setReuseAddr,
  setReusePort,
  setNoDelay,
  setIpv6Only,
  setKeepAlive,
  setRecvTimeout,
  setSendTimeout,
  setNonBlocking,
  bind,
  listen,
  listenTcp,
  accept,
  recv,
  send,
  sendv,
  sendfile,
  close,
  shutdown,
  localAddress,
  remoteAddress,
} from './socket.js';
export { epollCreate, epollCtl, epollWait, EpollEvents } from './epoll.js';
export { PollSet, poll } from './poll.js';
export { FdSet, select } from './select.js';
export { UvPoll, type UvPollCallback, uvBackendFd, uvBackendTimeout } from './uv.js';
