// Answering a request for the status page: who may see it, in which form
// (HTML, JSON, Prometheus), and whether its connection stays open.
import type { Reply, Request } from '../app/types.js';
import { renderStatus, chooseFormat, FORMATS } from '../app/status/index.js';
import { errorReply } from '../http/index.js';
import { Cell } from './scoreboard.js';
import { WATCH_MS, isLoopback, type StatusHost } from './status.js';
import { takeSnapshot } from './status-snapshot.js';

export function statusReply(ctx: StatusHost, req: Request): Reply {
  const reply = ctx.status!.ownReply(answer(ctx, req));
  // A model whose few workers each hold one connection at a time (iterative: one; prefork and threadpool: N)
  // would give a whole worker to the page's keep-alive connection, which polls every second and so is never
  // idle long enough to be let go: everybody else would wait. So there, the page's connection is closed after
  // each answer. (The per-connection models start a worker per connection: keeping it is the cheaper choice.
  // The event loop holds connections for nothing.)
  const m = ctx.config.status!.model;
  const holdsAWorker = m.blocking && !m.perConnection;
  return holdsAWorker ? ctx.status!.closeAfter(reply) : reply;
}

function answer(ctx: StatusHost, req: Request): Reply {
  const config = ctx.config.status!;
  if (!config.public && !isLoopback(req.remoteAddress)) {
    return errorReply(403, 'the status page is shown to clients on this machine only (the server was not started with --status-public)');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const r = errorReply(405);
    return { ...r, headers: [...r.headers, 'Allow', 'GET, HEAD'] };
  }
  const query = new URLSearchParams(req.query);
  const format = chooseFormat(query.get('format'), req.header('accept'));
  if (format === null) return errorReply(400, `format must be ${FORMATS.join(', ')}`);
  let traceSlot: number | null = null;
  const worker = query.get('worker');
  if (worker !== null && worker !== '') {
    traceSlot = Number(worker);
    if (!Number.isInteger(traceSlot) || traceSlot < 0 || traceSlot >= ctx.scoreboard.slots) return errorReply(400, `worker must be a slot from 0 to ${ctx.scoreboard.slots - 1}`);
  }
  // Somebody is looking: the workers record their system calls for a while (the page's polls keep it so).
  if (format === 'html' || query.get('watch') === '1') {
    const cells = ctx.scoreboard.cells;
    cells[Cell.WatchUntil] = Math.max(cells[Cell.WatchUntil]!, Date.now() + WATCH_MS);
  }
  const snapshot = takeSnapshot(ctx, { traceSlot });
  const { type, body } = renderStatus(snapshot, format, { path: config.path });
  return { status: 200, headers: ['Content-Type', type, 'Cache-Control', 'no-store', 'X-Content-Type-Options', 'nosniff'], body };
}
