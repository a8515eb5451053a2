// The event loop's timeout lists (models/event-loop/timeouts.ts): one doubly
// linked list per kind of timeout, kept in deadline order by appending.
// Behaviour only — order, membership, what expire() fires — never speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutList } from '../dist/models/event-loop/timeouts.js';

/** A Timed item that records when it fired and can act inside onTimeout. */
function item(name, log = [], action = null) {
  return {
    name,
    deadline: 0,
    timerPrev: null,
    timerNext: null,
    timerList: null,
    fired: 0,
    onTimeout(list) {
      this.fired++;
      log.push(`${this.name}@${list.name}`);
      action?.(this, list);
    },
  };
}

/**
 * The members of `list`, in order, read from the items' public links and
 * checked for consistency on the way: every member points back at its
 * predecessor and at the list. `members` is what the caller believes is on it.
 */
function assertChain(list, members) {
  members.forEach((m, i) => {
    assert.equal(m.timerList, list, `${m.name} is on ${list.name}`);
    assert.equal(m.timerPrev, i === 0 ? null : members[i - 1], `${m.name}.timerPrev`);
    assert.equal(m.timerNext, i === members.length - 1 ? null : members[i + 1], `${m.name}.timerNext`);
  });
  assert.equal(list.next, members.length === 0 ? Infinity : members[0].deadline, `${list.name}.next`);
}

test('an empty list has no next deadline and expire() does nothing', () => {
  const list = new TimeoutList('idle', 100);
  assert.equal(list.next, Infinity);
  list.expire(Number.MAX_SAFE_INTEGER);
  assert.equal(list.next, Infinity);
});

test('items expire in the order they were scheduled, each deadline = now + duration', () => {
  const log = [];
  const list = new TimeoutList('header', 10);
  const [a, b, c] = ['a', 'b', 'c'].map((n) => item(n, log));
  list.schedule(a, 0);
  list.schedule(b, 1);
  list.schedule(c, 2);
  assert.deepEqual([a.deadline, b.deadline, c.deadline], [10, 11, 12]);
  assertChain(list, [a, b, c]);
  list.expire(Infinity);
  assert.deepEqual(log, ['a@header', 'b@header', 'c@header']);
  assertChain(list, []);
  for (const x of [a, b, c]) {
    assert.equal(x.timerList, null, 'an expired item belongs to no list');
    assert.equal(x.timerPrev, null);
    assert.equal(x.timerNext, null);
  }
});

test('expire(now) fires exactly the deadlines ≤ now', () => {
  const log = [];
  const list = new TimeoutList('idle', 100);
  const items = [0, 5, 10, 15].map((t) => {
    const x = item(`t${t}`, log);
    list.schedule(x, t); // deadlines 100, 105, 110, 115
    return x;
  });
  list.expire(99);
  assert.deepEqual(log, [], 'nothing is due before the first deadline');
  list.expire(105);
  assert.deepEqual(log, ['t0@idle', 't5@idle'], 'a deadline equal to now fires');
  assert.equal(list.next, 110);
  assertChain(list, items.slice(2));
  list.expire(109.999);
  assert.deepEqual(log, ['t0@idle', 't5@idle']);
  list.expire(1000);
  assert.deepEqual(log, ['t0@idle', 't5@idle', 't10@idle', 't15@idle']);
  assert.deepEqual(items.map((x) => x.fired), [1, 1, 1, 1], 'each fires once');
});

test('rescheduling moves an item to the tail with a new deadline', () => {
  const log = [];
  const list = new TimeoutList('header', 10);
  const [a, b, c] = ['a', 'b', 'c'].map((n) => item(n, log));
  list.schedule(a, 0);
  list.schedule(b, 0);
  list.schedule(c, 0);
  list.schedule(a, 5); // the head moves to the tail
  assert.equal(a.deadline, 15);
  assertChain(list, [b, c, a]);
  list.schedule(c, 6); // a middle item moves to the tail
  assertChain(list, [b, a, c]);
  list.schedule(c, 7); // the tail stays the tail
  assertChain(list, [b, a, c]);
  assert.equal(c.deadline, 17);
  list.expire(10);
  assert.deepEqual(log, ['b@header']);
  list.expire(Infinity);
  assert.deepEqual(log, ['b@header', 'a@header', 'c@header']);
});

test('scheduling on another list takes the item off the first one', () => {
  const log = [];
  const header = new TimeoutList('header', 10);
  const idle = new TimeoutList('idle', 50);
  const [a, b, c] = ['a', 'b', 'c'].map((n) => item(n, log));
  header.schedule(a, 0);
  header.schedule(b, 0);
  header.schedule(c, 0);
  idle.schedule(b, 1);
  assert.equal(b.timerList, idle);
  assert.equal(b.deadline, 51);
  assertChain(header, [a, c]);
  assertChain(idle, [b]);
  header.expire(Infinity);
  assert.deepEqual(log, ['a@header', 'c@header'], 'the moved item does not fire on its old list');
  idle.expire(50);
  assert.deepEqual(log, ['a@header', 'c@header']);
  idle.expire(51);
  assert.deepEqual(log, ['a@header', 'c@header', 'b@idle'], 'it fires on its new list, with that list passed to onTimeout');
});

test('cancel of a non-member is a no-op; cancel unlinks a member wherever it is', () => {
  const log = [];
  const header = new TimeoutList('header', 10);
  const idle = new TimeoutList('idle', 10);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => item(n, log));
  const stranger = item('stranger', log);
  header.schedule(a, 0);
  header.schedule(b, 0);
  header.schedule(c, 0);
  idle.schedule(d, 0);

  header.cancel(stranger); // never scheduled anywhere
  assert.equal(stranger.timerList, null);
  header.cancel(d); // a member of another list
  assertChain(header, [a, b, c]);
  assertChain(idle, [d]);

  header.cancel(b); // middle
  assertChain(header, [a, c]);
  assert.equal(b.timerList, null);
  assert.equal(b.timerPrev, null);
  assert.equal(b.timerNext, null);
  header.cancel(b); // twice
  assertChain(header, [a, c]);
  header.cancel(c); // tail
  assertChain(header, [a]);
  header.schedule(b, 1); // the tail pointer must be right after cancelling the tail
  assertChain(header, [a, b]);
  header.cancel(a); // head
  assertChain(header, [b]);
  header.cancel(b); // last one
  assertChain(header, []);
  header.expire(Infinity);
  idle.expire(Infinity);
  assert.deepEqual(log, ['d@idle']);
});

test('an onTimeout that reschedules itself fires once per expire and lands at the tail', () => {
  const log = [];
  const list = new TimeoutList('send', 10);
  let now = 0;
  const expireAt = (t) => list.expire((now = t));
  const again = item('again', log, (self, l) => l.schedule(self, now)); // a fresh deadline from the current time
  const after = item('after', log);
  list.schedule(again, 0); // deadline 10
  list.schedule(after, 0); // deadline 10
  expireAt(10);
  assert.deepEqual(log, ['again@send', 'after@send'], 'the item behind it still fires in the same expire');
  assert.equal(again.deadline, 20);
  assertChain(list, [again]);
  expireAt(19);
  assert.equal(again.fired, 1);
  expireAt(20);
  assert.equal(again.fired, 2);
  assert.equal(again.deadline, 30);
  assertChain(list, [again]);
});

test('an onTimeout that moves itself to another list, or schedules a newcomer, during expire', () => {
  const log = [];
  const header = new TimeoutList('header', 10);
  const linger = new TimeoutList('linger', 5);
  const newcomer = item('newcomer', log);
  const a = item('a', log, (self, l) => l === header && linger.schedule(self, 10)); // like a 408 followed by a lingering close
  const b = item('b', log, (self, l) => l.schedule(newcomer, 10)); // scheduled at now: due only later
  const c = item('c', log);
  for (const x of [a, b, c]) header.schedule(x, 0);
  header.expire(10);
  assert.deepEqual(log, ['a@header', 'b@header', 'c@header']);
  assertChain(header, [newcomer]);
  assertChain(linger, [a]);
  assert.equal(a.deadline, 15);
  linger.expire(15);
  header.expire(20);
  assert.deepEqual(log, ['a@header', 'b@header', 'c@header', 'a@linger', 'newcomer@header']);
});

test('an onTimeout that cancels other items during expire: they never fire', () => {
  const log = [];
  const list = new TimeoutList('idle', 10);
  const items = [];
  const killer = item('killer', log, () => {
    list.cancel(items[2]); // the very next one, also due
    list.cancel(items[4]); // the tail, not due
  });
  items.push(item('first', log), killer, item('victim', log), item('survivor', log), item('tail', log));
  list.schedule(items[0], 0);
  list.schedule(items[1], 0);
  list.schedule(items[2], 0);
  list.schedule(items[3], 0);
  list.schedule(items[4], 5);
  list.expire(10);
  assert.deepEqual(log, ['first@idle', 'killer@idle', 'survivor@idle']);
  assertChain(list, []);
  assert.equal(items[2].timerList, null);
  assert.equal(items[4].timerList, null);
  list.expire(Infinity);
  assert.deepEqual(log, ['first@idle', 'killer@idle', 'survivor@idle']);
});

test('an onTimeout that cancels the item that just fired (itself) is harmless', () => {
  const log = [];
  const list = new TimeoutList('idle', 10);
  const self = item('self', log, (x, l) => l.cancel(x));
  const other = item('other', log);
  list.schedule(self, 0);
  list.schedule(other, 0);
  list.expire(10);
  assert.deepEqual(log, ['self@idle', 'other@idle']);
  assertChain(list, []);
});

/** A small deterministic PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('thousands of items on three lists: random schedule/move/cancel/expire agree with a plain array model', (t) => {
  const rand = prng(20240601);
  const lists = [new TimeoutList('header', 1000), new TimeoutList('idle', 2500), new TimeoutList('send', 400)];
  const model = new Map(lists.map((l) => [l, []])); // the reference: arrays in expiry order
  const fired = [];
  const N = 5000;
  const items = Array.from({ length: N }, (_, i) => {
    const x = item(`i${i}`);
    x.onTimeout = function (list) {
      fired.push([this, list]);
    };
    return x;
  });
  const where = new Map(); // item → its list in the model
  const take = (x) => {
    const l = where.get(x);
    if (l === undefined) return;
    const arr = model.get(l);
    arr.splice(arr.indexOf(x), 1);
    where.delete(x);
  };
  let now = 0;
  let expired = 0;
  for (let step = 0; step < 40000; step++) {
    const r = rand();
    const x = items[Math.floor(rand() * N)];
    if (r < 0.7) {
      const l = lists[Math.floor(rand() * lists.length)];
      l.schedule(x, now);
      take(x);
      model.get(l).push(x);
      where.set(x, l);
    } else if (r < 0.9) {
      const l = lists[Math.floor(rand() * lists.length)];
      l.cancel(x); // often not a member: a no-op then
      if (where.get(x) === l) take(x);
    } else if (r < 0.97) {
      now += Math.floor(rand() * 4); // time moves on, sometimes not at all
    } else {
      const l = lists[Math.floor(rand() * lists.length)];
      fired.length = 0;
      l.expire(now);
      const arr = model.get(l);
      let due = 0;
      while (due < arr.length && arr[due].deadline <= now) due++;
      const expected = arr.splice(0, due);
      for (const e of expected) where.delete(e);
      expired += expected.length;
      assert.deepEqual(
        fired.map(([f, fl]) => `${f.name}@${fl.name}`),
        expected.map((e) => `${e.name}@${l.name}`),
        `step ${step}: expire(${now}) on ${l.name}`,
      );
    }
  }
  let total = 0;
  for (const l of lists) {
    const arr = model.get(l);
    total += arr.length;
    // Deadlines on one list are in order: that is what makes the list a timer queue.
    for (let i = 1; i < arr.length; i++) assert.ok(arr[i - 1].deadline <= arr[i].deadline);
    assertChain(l, arr);
  }
  t.diagnostic(`${total} items still scheduled, ${expired} expired, clock at ${now}`);
  assert.ok(total > 1000, `the run leaves thousands of items scheduled (${total})`);
  assert.ok(expired > 1000, `thousands of items expired on the way (${expired})`);
  for (const x of items) if (!where.has(x)) assert.equal(x.timerList, null, `${x.name} belongs to no list`);
  // Drain everything: each remaining item fires exactly once, in order.
  for (const l of lists) {
    fired.length = 0;
    l.expire(Infinity);
    assert.deepEqual(
      fired.map(([f]) => f.name),
      model.get(l).map((x) => x.name),
    );
    assertChain(l, []);
  }
});
