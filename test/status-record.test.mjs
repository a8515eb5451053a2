// The pieces under the status page, without a server: sys's record of a
// thread's calls (a ring of Float64 cells), and the scoreboard's one-second
// request buckets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sys from '../dist/sys/index.js';
import { Scoreboard, Cell, countSecond, requestsInSecond, HISTORY_SECONDS, RECORD_RING, strideOf } from '../dist/models/scoreboard.js';

test('record: each call as (call, descriptor, result or -errno), the first ones kept, the ring wraps, lost ones counted', () => {
  const cells = new Float64Array(sys.recordCells(8));
  sys.recordSyscallsInto(cells);
  let fd;
  try {
    fd = sys.listenTcp('127.0.0.1', 0, { backlog: 4 });
    sys.setNonBlocking(fd, true); // fcntl is variadic: its arguments must pass through the recorder whole
    assert.equal(sys.accept(fd, true), -1, 'nothing waiting (EAGAIN), and the socket really is non-blocking');
    sys.noteInRecord(0, 5, 0);
    for (let i = 0; i < 10; i++) sys.localAddress(fd);
  } finally {
    if (fd !== undefined) sys.close(fd);
    sys.recordSyscallsInto(null);
  }
  const all = sys.readRecord(cells);
  assert.ok(all.seq > 16);
  assert.equal(all.first.length, sys.RECORD_FIRST);
  assert.deepEqual(all.first.slice(0, 2).map((c) => c.name), ['socket', 'setsockopt']);
  assert.ok(all.first.some((c) => c.name === 'listen' && c.fd === fd && c.result === 0));
  const accept = all.first.find((c) => c.name === 'accept4');
  assert.deepEqual([accept.fd, accept.result, accept.error], [fd, -1, 'EAGAIN']);
  assert.ok(all.first.some((c) => c.note === 0 && c.name === null && c.fd === 5), 'a note between the calls');
  assert.equal(all.calls.length, 8, 'the ring holds the latest 8');
  assert.equal(all.calls.at(-1).name, 'close');
  assert.equal(all.from, all.seq - 8);
  const old = sys.readRecord(cells, 0, all.seq);
  assert.equal(old.lost, all.seq - 8, 'what the ring no longer holds is counted as lost');
  assert.equal(sys.recordedCall(cells, all.seq - 1).name, 'close');
  assert.equal(sys.recordedCall(cells, 0), null, 'overwritten');
  const before = cells[0];
  sys.close(sys.socket(4));
  assert.equal(cells[0], before, 'not recording any more');
});

test('record and --trace-syscalls together: both see every call', () => {
  const lines = [];
  const cells = new Float64Array(sys.recordCells(16));
  sys.enableSyscallTrace((l) => lines.push(l));
  sys.recordSyscallsInto(cells);
  try {
    const fd = sys.socket(4);
    sys.close(fd);
  } finally {
    sys.recordSyscallsInto(null);
    sys.disableSyscallTrace();
  }
  assert.deepEqual(sys.readRecord(cells).calls.map((c) => c.name), ['socket', 'close']);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /socket\(AF_INET, SOCK_STREAM/);
});

test('scoreboard: one-second request buckets (plain stores), a minute and more of history, per row', () => {
  const board = Scoreboard.create(2, { record: true });
  assert.equal(board.stride, strideOf(true));
  assert.ok(strideOf(true) > strideOf(false) + RECORD_RING * 3);
  const row = board.row(1);
  const t = 1_700_000_000_000;
  for (let i = 0; i < 5; i++) countSecond(row, t + i * 100); // 5 in one second
  countSecond(row, t + 1000);
  assert.equal(requestsInSecond(row, t / 1000), 5);
  assert.equal(requestsInSecond(row, t / 1000 + 1), 1);
  assert.equal(requestsInSecond(row, t / 1000 + 2), 0);
  countSecond(row, t + HISTORY_SECONDS * 1000); // the same bucket, a lap later: it starts again
  assert.equal(requestsInSecond(row, t / 1000 + HISTORY_SECONDS), 1);
  assert.equal(requestsInSecond(row, t / 1000), 0, 'a second that left the history reads 0');
  assert.equal(board.row(0)[Cell.Requests], 0, 'rows are apart');
  assert.equal(board.syscalls(1).length, sys.SYSCALLS.length);
  assert.equal(board.recordOf(1).length, sys.recordCells(RECORD_RING));
  assert.equal(Scoreboard.create(1).recordOf(0), null, 'no record region without a status page');
});
