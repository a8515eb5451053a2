// Start a server under test as a real process, know when it is ready, count
// its access-log lines when asked, and stop it so that nothing of it remains.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackChild, killTree } from './cleanup.js';
import { processTree } from './proc.js';

export interface ServerLaunch {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** 'line': wait for "… listening on http://HOST:PORT" (stdout or stderr); otherwise poll this URL. */
  ready: 'line' | { url: string };
  /** Count access-log lines on stdout (Combined Log Format). */
  countLog: boolean;
  startTimeoutMs: number;
}

export interface RunningServer {
  pid: number;
  url: string;
  /** Access-log lines seen so far (0 unless countLog). */
  readonly logLines: number;
  /** Output kept for error messages. */
  readonly output: string;
  readonly exited: boolean;
  /** SIGTERM (graceful), then SIGKILL for the whole tree after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

// fourfold prints it on stdout today and may move it to stderr: accept either.
const LISTENING = /listening on (https?:\/\/[^\s)]+)/;
// A Combined Log Format line starts with the client address and "- -".
const ACCESS_LINE = /^\S+ - \S+ \[/;

export async function startServer(launch: ServerLaunch): Promise<RunningServer> {
  const child: ChildProcess = trackChild(
    spawn(launch.argv[0]!, launch.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: launch.env ?? process.env, cwd: launch.cwd }),
  );
  let output = '';
  let logLines = 0;
  let exited = false;
  let url: string | null = null;
  let onLine: ((u: string) => void) | null = null;
  const keep = (line: string) => {
    if (output.length < 8000) output += line + '\n';
  };
  const watch = (stream: NodeJS.ReadableStream, isStdout: boolean) => {
    createInterface({ input: stream }).on('line', (line) => {
      if (isStdout && launch.countLog && ACCESS_LINE.test(line)) {
        logLines++;
        return;
      }
      keep(line);
      const m = url === null ? LISTENING.exec(line) : null;
      if (m) {
        url = m[1]!.replace(/\/$/, '');
        onLine?.(url);
      }
    });
  };
  watch(child.stdout!, true);
  watch(child.stderr!, false);
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));

  const pid = child.pid;
  if (pid === undefined) throw await spawnError;
  const fail = async (why: string): Promise<never> => {
    killTree(pid);
    await exit;
    throw new Error(`${launch.argv.join(' ')}: ${why}${output ? `\n${output.trim()}` : ''}`);
  };

  let ready: string | 'exited' | 'timeout';
  // unref'd: a timer left pending by a race must not keep the lab alive after it is done.
  const timeout = sleep(launch.startTimeoutMs, undefined, { ref: false }).then(() => 'timeout' as const);
  if (launch.ready === 'line') {
    const line = new Promise<string>((resolve) => (onLine = resolve));
    ready = await Promise.race([line, exit.then(() => 'exited' as const), timeout, spawnError]);
  } else {
    const target = launch.ready.url;
    const poll = (async () => {
      while (!exited) {
        try {
          const r = await fetch(target);
          await r.arrayBuffer();
          if (r.ok) return target.replace(/^(https?:\/\/[^/]+).*$/, '$1');
        } catch {
          /* not listening yet */
        }
        await sleep(50);
      }
      return 'exited' as const;
    })();
    ready = await Promise.race([poll, exit.then(() => 'exited' as const), timeout, spawnError]);
  }
  if (ready === 'exited') return fail(`exited before it was ready (exit code ${child.exitCode ?? child.signalCode})`);
  if (ready === 'timeout') return fail(`not ready after ${launch.startTimeoutMs} ms`);
  const baseUrl = ready;

  return {
    pid,
    url: baseUrl,
    get logLines() {
      return logLines;
    },
    get output() {
      return output;
    },
    get exited() {
      return exited;
    },
    async stop(graceMs = 3000) {
      if (exited) return;
      const tree = processTree(pid);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const graceful = await Promise.race([exit.then(() => true), sleep(graceMs, undefined, { ref: false }).then(() => false)]);
      // Whatever is left of the tree (graceful or not) is killed: nothing outlives the run.
      killTree(pid);
      for (const p of tree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone, as it should be */
        }
      }
      if (!graceful) await exit;
    },
  };
}

/**
 * Wait until a counter stops changing: access-log lines arrive after the
 * responses, through a pipe that the bench process reads only when it gets
 * the CPU. With `atLeast`, keep waiting (up to the limit) while the count is
 * below it — the client's count: the server cannot have answered fewer — so a
 * slow pipe is not mistaken for missing lines; a real shortfall still shows
 * once the limit has passed.
 */
export async function settledCount(read: () => number, options: { atLeast?: number; quietMs?: number; limitMs?: number } = {}): Promise<number> {
  const { atLeast = 0, quietMs = 200, limitMs = 5000 } = options;
  let last = read();
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    await sleep(quietMs);
    const now = read();
    if (now === last && now >= atLeast) return now;
    last = now;
  }
  return last;
}
