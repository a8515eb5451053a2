// The numbers the Linux kernel uses for the socket API on x86_64.
//
// C programs get these from system headers; through an FFI we have to write
// them down ourselves. They are ABI: fixed for a given OS and CPU family, so
// they live in ONE table here and nowhere else. Another OS (or a CPU where
// Linux differs, e.g. SO_RCVTIMEO on some 32-bit ABIs) gets its own table
// next to this one, chosen by `process.platform` / `process.arch`.
//
// Errno numbers are deliberately NOT here: Node already knows them
// (`os.constants.errno`), see errors.ts.

export const platform = {
  // --- address families and socket types (<sys/socket.h>) ---
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0o4000, // flag OR-ed into the type: the socket starts non-blocking
  SOCK_CLOEXEC: 0o2000000, // flag OR-ed into the type: closed on exec, never leaks into children

  // --- socket options (setsockopt levels and names) ---
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2, // rebind a port whose old connections are still in TIME_WAIT
  SO_ERROR: 4, // getsockopt: the pending error of the socket (how a non-blocking connect ended)
  SO_REUSEPORT: 15, // several sockets listen on one port; the kernel spreads connections
  SO_RCVTIMEO: 20, // a blocking recv/accept gives up after this long (struct timeval)
  SO_SNDTIMEO: 21, // a blocking send/connect gives up after this long
  IPPROTO_TCP: 6,
  TCP_NODELAY: 1, // no Nagle delay: send small responses immediately
  IPPROTO_IPV6: 41,
  IPV6_V6ONLY: 26, // 0 = an IPv6 socket on '::' also accepts IPv4 (as ::ffff:a.b.c.d)

  // --- send/recv flags ---
  MSG_DONTWAIT: 0x40, // this one call is non-blocking, whatever the socket's mode
  MSG_MORE: 0x8000, // more data follows at once: hold the segment (a one-call TCP_CORK)
  MSG_NOSIGNAL: 0x4000, // writing to a closed peer returns EPIPE instead of raising SIGPIPE

  // --- fcntl ---
  F_GETFL: 3,
  F_SETFL: 4,
  O_NONBLOCK: 0o4000,

  // --- sendfile(2) ---
  SENDFILE_MAX: 0x7ffff000, // Linux moves at most this many bytes per call, whatever count says

  // --- shutdown(2) ---
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,

  // --- epoll(7) ---
  EPOLL_CLOEXEC: 0o2000000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLLIN: 0x001,
  EPOLLPRI: 0x002,
  EPOLLOUT: 0x004,
  EPOLLERR: 0x008,
  EPOLLHUP: 0x010,
  EPOLLRDHUP: 0x2000, // peer shut down its writing half (sent FIN)
  EPOLLEXCLUSIVE: 1 << 28,
  EPOLLONESHOT: 1 << 30, // report once, then disarm until EPOLL_CTL_MOD
  EPOLLET: 0x80000000, // edge-triggered: report changes, not levels

  // --- poll(2) ---
  POLLIN: 0x001,
  POLLPRI: 0x002,
  POLLOUT: 0x004,
  POLLERR: 0x008,
  POLLHUP: 0x010,
  POLLNVAL: 0x020, // the fd is not open
  POLLRDHUP: 0x2000,

  // --- select(2) ---
  FD_SETSIZE: 1024, // select() cannot watch descriptors >= this: its bitmap is fixed-size

  // --- shared memory: memfd_create(2), mmap(2), file seals (fcntl) ---
  MFD_CLOEXEC: 0x0001,
  MFD_ALLOW_SEALING: 0x0002,
  F_ADD_SEALS: 1033,
  F_SEAL_SHRINK: 0x0002, // nobody can make the file smaller (a mapping past its end would crash: SIGBUS)
  F_SEAL_GROW: 0x0004,
  PROT_READ: 0x1,
  PROT_WRITE: 0x2,
  MAP_SHARED: 0x01, // writes reach the underlying pages, seen by every mapping of them

  // --- processes: prctl(2) ---
  PR_SET_PDEATHSIG: 1, // the signal this process gets when its parent (thread) dies

  // --- struct sizes and layouts (bytes), as the C compiler lays them out ---
  SIZEOF_SOCKADDR_IN: 16, //  { u16 family; u16 port (big-endian); u8 addr[4]; u8 zero[8] }
  SIZEOF_SOCKADDR_IN6: 28, // { u16 family; u16 port (BE); u32 flowinfo; u8 addr[16]; u32 scope_id }
  SIZEOF_SOCKADDR_STORAGE: 128, // big enough for any address family
  SIZEOF_TIMEVAL: 16, //       { i64 tv_sec; i64 tv_usec }
  SIZEOF_IOVEC: 16, //         { void *iov_base; size_t iov_len }
  SIZEOF_MSGHDR: 56, // see OFFSETOF_MSG_* below
  OFFSETOF_MSG_IOV: 16, //     struct msghdr { void *name; u32 namelen; (pad)
  OFFSETOF_MSG_IOVLEN: 24, //    iovec *iov; size_t iovlen; void *control;
  //                             size_t controllen; int flags; (pad) }
  SIZEOF_EPOLL_EVENT: 12, //   PACKED on x86_64: { u32 events; u64 data }, data at offset 4
  SIZEOF_POLLFD: 8, //         { i32 fd; i16 events; i16 revents }
  SIZEOF_FD_SET: 128, //       FD_SETSIZE bits
  SIZEOF_OFF_T: 8,
  // struct stat on x86_64: { u64 dev; u64 ino; u64 nlink; u32 mode; u32 uid; u32 gid; pad;
  //   u64 rdev; i64 size; i64 blksize; i64 blocks; timespec atim, mtim, ctim; … }
  SIZEOF_STAT: 144,
  OFFSETOF_ST_DEV: 0,
  OFFSETOF_ST_INO: 8,
  OFFSETOF_ST_MODE: 24,
  OFFSETOF_ST_SIZE: 48,
  OFFSETOF_ST_MTIM: 88, // { i64 sec; i64 nsec }
  OFFSETOF_ST_CTIM: 104,
  S_IFMT: 0o170000,
  S_IFREG: 0o100000,
  S_IFDIR: 0o040000,
  SIZEOF_INT: 4,
} as const;
