// The foreign-function boundary: the only file that imports koffi.
//
// It opens two libraries — the C library (the syscall wrappers) and the Node
// executable itself (which exports libuv and N-API) — and declares each C
// function once, at module load. The system calls are called through
// syscalls.ts, which counts them; the rest of sys/ calls the others directly.
//
// Two choices here make the hot calls cheap:
//
// 1. Pointers are declared as `uintptr_t` (a plain number), not `void *`.
//    koffi then takes its "fast call" path (numbers only: no output
//    arguments to copy back, no callbacks to clean up), and we can point
//    anywhere inside a buffer — `address + offset` — without creating a
//    subarray per call. memory.ts finds and caches where a JS buffer lives.
//
// 2. errno is read straight from memory. `__errno_location()` returns the
//    address of this thread's errno; a 4-byte view over it turns "what went
//    wrong?" into an array read instead of another FFI call. (Each worker
//    thread loads this module anew and so gets a view of its own errno.)

import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const node = koffi.load(null); // this very process: libuv and N-API live in it

type Fd = number;
type Ptr = number; // an address, as a JS number (user-space addresses fit in 53 bits)

// --- the system calls ---------------------------------------------------------
//
// Grouped in one object, `raw`, because nothing but syscalls.ts may call them:
// it counts every call (and traces it when asked), then calls through to here.

// C's ssize_t is spelled intptr_t for koffi: same size, same signedness.
export const raw = {
  // sockets: creating, configuring, connecting, accepting, ending
  socket: libc.func('int socket(int domain, int type, int protocol)') as (
    domain: number,
    type: number,
    protocol: number,
  ) => Fd,
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, uintptr_t value, uint32_t len)') as (
    fd: Fd,
    level: number,
    name: number,
    value: Ptr,
    len: number,
  ) => number,
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, uintptr_t value, uintptr_t len)') as (
    fd: Fd,
    level: number,
    name: number,
    value: Ptr,
    len: Ptr,
  ) => number,
  bind: libc.func('int bind(int fd, uintptr_t addr, uint32_t len)') as (fd: Fd, addr: Ptr, len: number) => number,
  listen: libc.func('int listen(int fd, int backlog)') as (fd: Fd, backlog: number) => number,
  accept4: libc.func('int accept4(int fd, uintptr_t addr, uintptr_t len, int flags)') as (
    fd: Fd,
    addr: Ptr,
    len: Ptr,
    flags: number,
  ) => Fd,
  connect: libc.func('int connect(int fd, uintptr_t addr, uint32_t len)') as (fd: Fd, addr: Ptr, len: number) => number,
  getsockname: libc.func('int getsockname(int fd, uintptr_t addr, uintptr_t len)') as (
    fd: Fd,
    addr: Ptr,
    len: Ptr,
  ) => number,
  getpeername: libc.func('int getpeername(int fd, uintptr_t addr, uintptr_t len)') as (
    fd: Fd,
    addr: Ptr,
    len: Ptr,
  ) => number,
  shutdown: libc.func('int shutdown(int fd, int how)') as (fd: Fd, how: number) => number,
  close: libc.func('int close(int fd)') as (fd: Fd) => number,
  // fcntl is variadic in C; koffi wants the type of each extra argument: fcntl(fd, cmd, 'int', arg).
  fcntl: libc.func('int fcntl(int fd, int cmd, ...)') as (fd: Fd, cmd: number, ...typed: unknown[]) => number,

  // data transfer (the hot path)
  recv: libc.func('intptr_t recv(int fd, uintptr_t buf, size_t len, int flags)') as (
    fd: Fd,
    buf: Ptr,
    len: number,
    flags: number,
  ) => number,
  send: libc.func('intptr_t send(int fd, uintptr_t buf, size_t len, int flags)') as (
    fd: Fd,
    buf: Ptr,
    len: number,
    flags: number,
  ) => number,
  sendmsg: libc.func('intptr_t sendmsg(int fd, uintptr_t msg, int flags)') as (fd: Fd, msg: Ptr, flags: number) => number,
  sendfile: libc.func('intptr_t sendfile(int out_fd, int in_fd, uintptr_t offset, size_t count)') as (
    outFd: Fd,
    inFd: Fd,
    offset: Ptr,
    count: number,
  ) => number,

  // readiness: epoll, poll, select
  epoll_create1: libc.func('int epoll_create1(int flags)') as (flags: number) => Fd,
  epoll_ctl: libc.func('int epoll_ctl(int epfd, int op, int fd, uintptr_t event)') as (
    epfd: Fd,
    op: number,
    fd: Fd,
    event: Ptr,
  ) => number,
  epoll_wait: libc.func('int epoll_wait(int epfd, uintptr_t events, int max, int timeout)') as (
    epfd: Fd,
    events: Ptr,
    max: number,
    timeoutMs: number,
  ) => number,
  poll: libc.func('int poll(uintptr_t fds, unsigned long nfds, int timeout)') as (
    fds: Ptr,
    nfds: number,
    timeoutMs: number,
  ) => number,
  select: libc.func(
    'int select(int nfds, uintptr_t readfds, uintptr_t writefds, uintptr_t exceptfds, uintptr_t timeout)',
  ) as (nfds: number, readfds: Ptr, writefds: Ptr, exceptfds: Ptr, timeout: Ptr) => number,

  // shared memory. mmap returns MAP_FAILED, (void *)-1, on error: as intptr_t that reads -1.
  memfd_create: libc.func('int memfd_create(const char *name, unsigned int flags)') as (
    name: string,
    flags: number,
  ) => Fd,
  ftruncate: libc.func('int ftruncate(int fd, int64_t length)') as (fd: Fd, length: number) => number,
  mmap: libc.func('intptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t offset)') as (
    addr: Ptr,
    len: number,
    prot: number,
    flags: number,
    fd: Fd,
    offset: number,
  ) => Ptr,
  munmap: libc.func('int munmap(uintptr_t addr, size_t len)') as (addr: Ptr, len: number) => number,

  // processes. prctl is variadic like fcntl: prctl(option, 'unsigned long', arg).
  prctl: libc.func('int prctl(int option, ...)') as (option: number, ...typed: unknown[]) => number,
  getppid: libc.func('int getppid()') as () => number,
  gettid: libc.func('int gettid()') as () => number, // glibc >= 2.30

  // files: what a file cache asks on every request (glibc >= 2.33 exports stat itself)
  stat: libc.func('int stat(const char *path, uintptr_t buf)') as (path: string, buf: Ptr) => number,
};

// --- address text <-> bytes (the C library already knows how to spell IPv6) --

export const inet_pton = libc.func('int inet_pton(int af, const char *src, uintptr_t dst)') as (
  af: number,
  src: string,
  dst: Ptr,
) => number;
export const inet_ntop = libc.func('uintptr_t inet_ntop(int af, uintptr_t src, uintptr_t dst, uint32_t size)') as (
  af: number,
  src: Ptr,
  dst: Ptr,
  size: number,
) => Ptr;

// --- errno ------------------------------------------------------------------

const errnoLocation = libc.func('int *__errno_location()') as () => bigint;
const errnoCell = new Int32Array(koffi.view(errnoLocation(), 4));

/** errno as left by the last failed call on this thread. Read it right after the failure. */
export function errno(): number {
  return errnoCell[0];
}

/** Put errno back (the tracer does, after its own writes may have changed it). */
export function setErrno(value: number): void {
  errnoCell[0] = value;
}

// --- memory -------------------------------------------------------------------

/** Where the bytes of a buffer (or view) start, as a number. See memory.ts for the cached version. */
export function rawAddress(view: ArrayBufferView | ArrayBufferLike): number {
  return Number(koffi.address(view));
}

/**
 * An ArrayBuffer over `length` bytes of memory we did not allocate (an mmap'ed
 * region, a struct the kernel filled in). It does not own that memory: whoever
 * does must keep it valid while the ArrayBuffer is reachable.
 */
export function view(address: Ptr, length: number): ArrayBuffer {
  return koffi.view(address, length);
}

/** malloc-like memory that the garbage collector never moves or frees (for libuv handles). */
export function allocate(size: number): Ptr {
  return Number(koffi.address(koffi.alloc('uint8_t', size)));
}
export function release(ptr: Ptr): void {
  koffi.free(BigInt(ptr));
}

// --- libuv, reached through the Node executable ------------------------------

export const uv_default_loop = node.func('uintptr_t uv_default_loop()') as () => Ptr;
export const uv_handle_size = node.func('size_t uv_handle_size(int type)') as (type: number) => number;
export const uv_backend_fd = node.func('int uv_backend_fd(uintptr_t loop)') as (loop: Ptr) => Fd;
export const uv_poll_init = node.func('int uv_poll_init(uintptr_t loop, uintptr_t handle, int fd)') as (
  loop: Ptr,
  handle: Ptr,
  fd: Fd,
) => number;
export const uv_poll_stop = node.func('int uv_poll_stop(uintptr_t handle)') as (handle: Ptr) => number;
export const uv_ref = node.func('void uv_ref(uintptr_t handle)') as (handle: Ptr) => void;
export const uv_unref = node.func('void uv_unref(uintptr_t handle)') as (handle: Ptr) => void;

// Callbacks from C into JS: koffi has a fixed number of trampolines, so uv.ts
// registers ONE of each kind and dispatches on the handle address itself.
const uvPollCb = koffi.proto('void fourfold_uv_poll_cb(uintptr_t handle, int status, int events)');
const uvCloseCb = koffi.proto('void fourfold_uv_close_cb(uintptr_t handle)');
export const uv_poll_start = node.func('uv_poll_start', 'int', ['uintptr_t', 'int', koffi.pointer(uvPollCb)]) as (
  handle: Ptr,
  events: number,
  cb: bigint,
) => number;
export const uv_close = node.func('uv_close', 'void', ['uintptr_t', koffi.pointer(uvCloseCb)]) as (
  handle: Ptr,
  cb: bigint,
) => void;
export function registerPollCallback(fn: (handle: Ptr, status: number, events: number) => void): bigint {
  return koffi.register(fn, koffi.pointer(uvPollCb));
}
export function registerCloseCallback(fn: (handle: Ptr) => void): bigint {
  return koffi.register(fn, koffi.pointer(uvCloseCb));
}

// Which libuv loop runs JS on *this* thread? uv_default_loop() is the main
// thread's loop only; a worker thread has a loop of its own, which N-API
// hands out for the current environment (koffi exposes that environment).
const napi_get_uv_event_loop = node.func('int napi_get_uv_event_loop(uintptr_t env, _Out_ void **loop)') as (
  env: unknown,
  out: [bigint | null],
) => number;
export function currentLoop(): Ptr {
  const out: [bigint | null] = [null];
  const env = (koffi as unknown as { node?: { env?: bigint } }).node?.env;
  if (env !== undefined && napi_get_uv_event_loop(env, out) === 0 && out[0] !== null) return Number(out[0]);
  return uv_default_loop();
}
