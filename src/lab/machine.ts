// What the figures were measured on: CPU, cores, kernel, Node, and the
// versions of the external tools (wrk, nginx, taskset) found on PATH.
import { readFileSync, accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, release, totalmem, arch, platform, loadavg } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { clockTicksPerSecond } from './proc.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  kernel: string;
  platform: string;
  arch: string;
  node: string;
  memoryMb: number;
  clockTicksPerSecond: number;
  /** 1-minute load average when the run started: others' work on the machine disturbs the figures. */
  loadAverageAtStart: number;
}

export interface ToolVersions {
  wrk: string | null;
  nginx: string | null;
  taskset: string | null;
  autocannon: string | null;
  strace: string | null;
}

/** Full path of an executable on PATH, or null. */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export function machineInfo(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    /* not Linux */
  }
  return {
    cpuModel,
    cores: availableParallelism(),
    kernel: release(),
    platform: platform(),
    arch: arch(),
    node: process.version,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    clockTicksPerSecond: clockTicksPerSecond(),
    loadAverageAtStart: loadavg()[0]!,
  };
}

/** First line a tool prints about its version (on stdout or stderr), or null if it is not installed. */
function versionLine(cmd: string, args: string[], pattern: RegExp): string | null {
  if (which(cmd) === null) return null;
  let out = '';
  try {
    out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  } catch (e) {
    // wrk -v exits 1 after printing its version; nginx -v prints to stderr.
    const err = e as { stdout?: string; stderr?: string };
    out = `${err.stdout ?? ''}\n${err.stderr ?? ''}`;
  }
  return pattern.exec(out)?.[1] ?? out.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'installed';
}

export function toolVersions(): ToolVersions {
  let autocannon: string | null = null;
  try {
    autocannon = createRequire(import.meta.url)('autocannon/package.json').version;
  } catch {
    /* not installed */
  }
  return {
    wrk: versionLine('wrk', ['-v'], /^(wrk \S+)/m),
    nginx: versionLine('nginx', ['-v'], /(nginx\/\S+)/),
    taskset: versionLine('taskset', ['--version'], /(taskset from util-linux \S+)/),
    strace: versionLine('strace', ['-V'], /(strace -- version \S+)/),
    autocannon,
  };
}
