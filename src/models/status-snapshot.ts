// One reading of the whole server for the status page: every row of the
// scoreboard — the master's, each process's, each thread's, wherever this
// request happens to be served (a prefork worker, a thread, a child started
// for this very connection all map the same scoreboard) — summed up, and one
// worker's latest request drawn from its record as system calls.
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import * as sys from '../sys/index.js';
import type { ConnectionStates, RequestTrace, StatusSnapshot, TraceStep, WorkerStatus } from '../app/status/types.js';
import { Cell, STATE_NAMES, WorkerState, requestsInSecond } from './scoreboard.js';
import { Note, type StatusHost } from './status.js';

const VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();

/** Calls that wait for readiness: an event loop's turn begins with one. */
const WAITS = new Set(['epoll_wait', 'poll', 'select']);

export interface SnapshotOptions {
  /** The worker whose latest request to draw; default: the one that finished a recorded request last. */
  traceSlot?: number | null;
}

export function takeSnapshot(ctx: StatusHost, { traceSlot = null }: SnapshotOptions = {}): StatusSnapshot {
  const { config, scoreboard: board } = ctx;
  const info = config.status!.model;
  const pooled = board.slots > 1;
  const isLoop = config.model === 'event-loop';
  const workersAre = !pooled ? 'this process' : info.runsIn === 'threads' ? 'threads' : 'processes';
  const now = Date.now();
  const master = board.row(0);

  const workers: WorkerStatus[] = [];
  const open: ConnectionStates = { open: 0, reading: 0, handling: 0, writing: 0, keepAlive: 0, closing: 0 };
  const totals = { connections: 0, requests: 0, bytesIn: 0, bytesOut: 0, errors: 0, s1: 0, s2: 0, s3: 0, s4: 0, s5: 0 };
  const byName: Record<string, number> = {};
  for (const name of sys.SYSCALLS) byName[name] = 0;
  let syscalls = 0;
  const pids = new Set<number>();
  for (let slot = 0; slot < board.slots; slot++) {
    const row = board.row(slot);
    if (row[Cell.Pid] === 0) continue; // never used
    const role = pooled && slot === 0 ? 'master' : 'worker';
    const loop = isLoop && role === 'worker';
    let state = row[Cell.State]! as WorkerState;
    // A per-connection worker that is done with its connection has ended (a thread leaves its row idle).
    if (info.perConnection && role === 'worker' && state === WorkerState.Idle && row[Cell.Open] === 0) state = WorkerState.Stopped;
    const conns = loop ? loopConnections(row) : blockingConnections(row, state);
    for (const k of Object.keys(open) as (keyof ConnectionStates)[]) open[k] += conns[k];
    const counts = board.syscalls(slot);
    let calls = 0;
    for (let i = 0; i < counts.length; i++) {
      calls += counts[i]!;
      byName[sys.SYSCALLS[i]!]! += counts[i]!;
    }
    syscalls += calls;
    totals.connections += row[Cell.Connections]!;
    totals.requests += row[Cell.Requests]!;
    totals.bytesIn += row[Cell.BytesIn]!;
    totals.bytesOut += row[Cell.BytesOut]!;
    totals.errors += row[Cell.Errors]!;
    totals.s1 += row[Cell.Status1xx]!;
    totals.s2 += row[Cell.Status2xx]!;
    totals.s3 += row[Cell.Status3xx]!;
    totals.s4 += row[Cell.Status4xx]!;
    totals.s5 += row[Cell.Status5xx]!;
    if (state !== WorkerState.Stopped) pids.add(row[Cell.Pid]!);
    workers.push({
      slot,
      role,
      kind: slot === 0 || !pooled ? 'main' : workersAre === 'threads' ? 'thread' : 'process',
      loop,
      state: STATE_NAMES[state] ?? 'stopped',
      pid: row[Cell.Pid]!,
      threadId: row[Cell.ThreadId]!,
      startedAt: row[Cell.StartedAt]!,
      connections: row[Cell.Connections]!,
      requests: row[Cell.Requests]!,
      bytesIn: row[Cell.BytesIn]!,
      bytesOut: row[Cell.BytesOut]!,
      errors: row[Cell.Errors]!,
      open: conns,
      lastRequestAt: row[Cell.LastRequestAt]!,
      syscalls: calls,
      tracedAt: row[Cell.TraceAt]!,
    });
  }

  // Requests per second, from each row's one-second buckets (whole seconds only: the current one is still counting).
  const second = Math.floor(now / 1000);
  const lastMinute: number[] = [];
  for (let k = 60; k >= 1; k--) {
    let n = 0;
    for (let slot = 0; slot < board.slots; slot++) n += requestsInSecond(board.row(slot), second - k);
    lastMinute.push(n);
  }
  const startedAt = master[Cell.StartedAt]!;
  const lived = Math.max(1, second - Math.floor(startedAt / 1000)); // whole seconds since the start
  const rate = (span: number) => {
    const s = Math.min(span, lived);
    return lastMinute.slice(60 - s).reduce((a, b) => a + b, 0) / s;
  };
  const requests = totals.requests;

  return {
    server: { name: 'fourfold', version: VERSION },
    model: {
      name: config.model,
      summary: info.summary,
      poller: isLoop ? config.poller : null,
      workers: info.perConnection ? board.slots - 1 : config.workers,
      workersAre,
      perConnection: info.perConnection,
    },
    pid: master[Cell.Pid]!,
    pids: [...pids],
    startedAt,
    now,
    uptimeSeconds: (now - startedAt) / 1000,
    servedBy: { slot: ctx.slot, pid: process.pid, threadId },
    connections: { ...open, accepted: totals.connections },
    requests: { total: requests, perSecond: { last1s: rate(1), last10s: rate(10), last60s: rate(60) }, lastMinute },
    bytes: { in: totals.bytesIn, out: totals.bytesOut },
    responses: { '1xx': totals.s1, '2xx': totals.s2, '3xx': totals.s3, '4xx': totals.s4, '5xx': totals.s5 },
    errors: totals.errors,
    syscalls: {
      total: syscalls,
      perRequest: requests > 0 ? syscalls / requests : null,
      byName,
      perRequestByName: requests > 0 ? Object.fromEntries(Object.entries(byName).filter(([, n]) => n > 0).map(([name, n]) => [name, n / requests])) : null,
    },
    scoreboard: { slots: board.slots, workers },
    recording: board.record && master[Cell.WatchUntil]! > now,
    trace: board.record ? traceOf(ctx, workers, traceSlot) : null,
  };
}

/** An event-loop worker counts its connections by state. */
function loopConnections(row: Float64Array): ConnectionStates {
  return {
    open: row[Cell.Open]!,
    reading: row[Cell.OpenReading]!,
    handling: row[Cell.OpenHandling]!,
    writing: row[Cell.OpenWriting]!,
    keepAlive: row[Cell.OpenKeepAlive]!,
    closing: row[Cell.OpenClosing]!,
  };
}

/** A blocking worker holds at most one connection: its state is the worker's. */
function blockingConnections(row: Float64Array, state: WorkerState): ConnectionStates {
  const n = row[Cell.Open]! > 0 ? 1 : 0;
  return {
    open: n,
    reading: state === WorkerState.Reading ? n : 0,
    handling: state === WorkerState.Handling ? n : 0,
    writing: state === WorkerState.Writing ? n : 0,
    keepAlive: state === WorkerState.KeepAlive ? n : 0,
    closing: state === WorkerState.Closing ? n : 0,
  };
}

/** The chosen worker's most recent request as system calls (its own, and its master's part). */
function traceOf(ctx: StatusHost, workers: WorkerStatus[], wanted: number | null): RequestTrace | null {
  const board = ctx.scoreboard;
  let pick = wanted !== null ? workers.find((w) => w.slot === wanted && w.tracedAt > 0) : undefined;
  if (pick === undefined) for (const w of workers) if (w.tracedAt > 0 && (pick === undefined || w.tracedAt > pick.tracedAt)) pick = w;
  if (pick === undefined) return null;
  const row = board.row(pick.slot);
  const fd = row[Cell.TraceFd]!;
  const own = sys.readRecord(board.recordOf(pick.slot)!, row[Cell.TraceFrom]!, row[Cell.TraceTo]!);
  let master: TraceStep[] = [];
  const perConnection = ctx.config.status!.model.perConnection;
  if (perConnection && pick.slot > 0 && row[Cell.TraceMasterTo]! > row[Cell.TraceMasterFrom]!) {
    const m = sys.readRecord(board.recordOf(0)!, row[Cell.TraceMasterFrom]!, row[Cell.TraceMasterTo]!);
    if (m.lost === 0) master = m.calls.map((c) => step(c, 'master', ctx));
  }
  return {
    slot: pick.slot,
    pid: pick.pid,
    threadId: pick.threadId,
    fd,
    at: row[Cell.TraceAt]!,
    setup: perConnection && pick.slot > 0 ? [] : setupOf(own.first, 'worker', ctx), // (a worker per connection has no set-up of its own)
    masterSetup: pick.slot > 0 ? setupOf(sys.readRecord(board.recordOf(0)!, 0, 0).first, 'master', ctx) : [],
    master,
    calls: elide(own.calls, fd, ctx),
    lost: own.lost,
  };
}

/** A record's first calls, up to the first wait for a connection (accept, epoll_wait…): the set-up. */
function setupOf(first: sys.RecordedCall[], by: 'master' | 'worker', ctx: StatusHost): TraceStep[] {
  const end = first.findIndex((c) => c.name === 'accept4' || WAITS.has(c.name ?? '') || c.note !== null);
  return first.slice(0, end < 0 ? first.length : end).map((c) => step(c, by, ctx));
}

function step(c: sys.RecordedCall, by: 'master' | 'worker', ctx: StatusHost): TraceStep {
  if (c.note !== null) {
    const threads = ctx.config.status!.model.runsIn === 'threads';
    return { call: c.note === Note.WorkerStarted ? (threads ? 'thread' : 'spawn') : `note ${c.note}`, fd: null, result: c.fd, error: null, by };
  }
  return { call: c.name ?? '?', fd: c.fd >= 0 ? c.fd : null, result: c.result, error: c.error, by };
}

/**
 * Keep the calls about this request's connection (and the waits, and the
 * first call); fold the rest — an event loop's calls for its other
 * connections, made in the same turns — into "skipped" steps.
 */
function elide(calls: sys.RecordedCall[], fd: number, ctx: StatusHost): TraceStep[] {
  const out: TraceStep[] = [];
  let skipped = 0;
  // Before the accept that returned this descriptor, the same number was another connection's (numbers are reused).
  const accepted = Math.max(0, calls.findIndex((c) => c.name === 'accept4' && c.result === fd));
  calls.forEach((c, i) => {
    const mine = i === 0 || c.note !== null || WAITS.has(c.name ?? '') || (i >= accepted && (c.fd === fd || (c.name === 'accept4' && c.result === fd)));
    if (!mine) {
      skipped++;
      return;
    }
    if (skipped > 0) out.push({ skipped, by: 'worker' });
    skipped = 0;
    out.push(step(c, 'worker', ctx));
  });
  if (skipped > 0) out.push({ skipped, by: 'worker' });
  // A wait followed by another wait, with nothing of ours in between, was a turn for others: fold it too.
  const folded: TraceStep[] = [];
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    if ('call' in s && WAITS.has(s.call) && i > 0) {
      let j = i + 1;
      while (j < out.length && 'skipped' in out[j]!) j++;
      const next = out[j];
      if (next !== undefined && 'call' in next && WAITS.has(next.call)) {
        addSkip(folded, 1);
        continue;
      }
    }
    if ('skipped' in s) addSkip(folded, s.skipped);
    else folded.push(s);
  }
  return folded;
}

function addSkip(steps: TraceStep[], n: number): void {
  const last = steps.at(-1);
  if (last !== undefined && 'skipped' in last) last.skipped += n;
  else steps.push({ skipped: n, by: 'worker' });
}
