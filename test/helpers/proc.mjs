// What a server's processes hold, read from /proc (Linux): its process tree,
// open descriptors, CPU time, memory, threads, and its sockets' TCP states.
// Every reader tolerates a process that ends while it is being read.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** Fields of /proc/PID/stat after the command name (which may hold spaces): [0] is the state, [1] the ppid. */
function statFields(pid) {
  const s = read(`/proc/${pid}/stat`);
  return s === null ? null : s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** Alive, and not a zombie. */
export function alive(pid) {
  const f = statFields(pid);
  return f !== null && f[0] !== 'Z';
}

/** pid and all its live descendants, found by walking every process's parent (whichever thread started them). */
export function processTree(pid) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(name);
    if (f !== null && f[0] !== 'Z') parent.set(Number(name), Number(f[1]));
  }
  if (!parent.has(pid)) return [];
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parent) if (pp === tree[i]) tree.push(p);
  return tree;
}

/** The tree's pids other than the root. */
export const descendants = (pid) => processTree(pid).slice(1);

/** Open descriptors of one process (0 if it is gone). */
export function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Open descriptors of the whole tree. */
/**
 * The RLIMIT_NOFILE that leaves a process exactly `free` descriptors to open:
 * the limit bounds descriptor numbers, not their count (a new one takes the
 * lowest free number, and fails with EMFILE if that is not below the limit),
 * and Node keeps some open at high numbers, so the count alone says nothing.
 */
export function limitLeaving(pid, free) {
  const open = new Set(readdirSync(`/proc/${pid}/fd`).map(Number));
  let n = 0;
  for (let left = free; ; n++) if (!open.has(n) && left-- === 0) return n;
}

export const treeFds = (pid) => processTree(pid).reduce((n, p) => n + fdCount(p), 0);

/** utime + stime of the whole tree, in clock ticks (1/100 s). Children that ended are not counted: measure a steady tree. */
export function treeCpuTicks(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (f !== null) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks;
}

/** VmRSS of one process, bytes. */
export function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) * 1024 : 0;
}

/** VmRSS summed over the tree, bytes. */
export const treeRss = (pid) => processTree(pid).reduce((n, p) => n + rss(p), 0);

/** OS threads of one process. */
export function threadCount(pid) {
  const m = /Threads:\s+(\d+)/.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : 0;
}

/** The TCP sockets whose local port is `port` (both families): [{ state, local, remote, remotePort, inode }]; state in hex, as the kernel writes it ('0A' listen, '01' established, '08' close-wait). */
export function tcpSockets(port) {
  const out = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = read(file);
    if (text === null) continue;
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [, localPort] = f[1].split(':');
      if (parseInt(localPort, 16) !== port) continue;
      out.push({ state: f[3], remotePort: parseInt(f[2].split(':')[1], 16), inode: Number(f[9]) });
    }
  }
  return out;
}

/** Server-side sockets of `port` in CLOSE_WAIT: the client closed, the server never did. */
export const closeWaitCount = (port) => tcpSockets(port).filter((s) => s.state === '08').length;

/** Which process of the tree holds the server side of the connection from client port `clientPort` (or null). */
export function ownerOfConnection(rootPid, serverPort, clientPort) {
  const sock = tcpSockets(serverPort).find((s) => s.remotePort === clientPort && s.state === '01');
  if (sock === undefined) return null;
  const target = `socket:[${sock.inode}]`;
  for (const p of processTree(rootPid)) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${p}/fd/${fd}`) === target) return p;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll f() until ok(value) holds or ms pass; returns the last value. */
export async function until(f, ok, { ms = 5000, every = 50 } = {}) {
  let v = f();
  for (const end = Date.now() + ms; !ok(v) && Date.now() < end; v = f()) await sleep(every);
  return v;
}

/** f()'s value once two reads `gap` ms apart agree (or after ~6 s). */
export async function steady(f, gap = 300) {
  let v = f();
  for (let i = 0; i < 20; i++) {
    await sleep(gap);
    const w = f();
    if (w === v) return v;
    v = w;
  }
  return v;
}

/** Wait (up to ms) until the tree uses less than `ticks` of CPU in `gap` ms: start-ups and bursts are over. */
export async function quiet(pid, { ticks = 3, gap = 300, ms = 10_000 } = {}) {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const t0 = treeCpuTicks(pid);
    await sleep(gap);
    if (treeCpuTicks(pid) - t0 < ticks) return true;
  }
  return false;
}
