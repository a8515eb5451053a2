// The native API's helpers (text, html, json, reply, redirect): what they
// build, and what they refuse when the reply is built.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { text, html, json, reply, redirect } from '../dist/app/handler/native.js';

describe('native helpers', () => {
  test('text(): text/plain, status 200, frozen', () => {
    const r = text('hi');
    assert.deepEqual({ ...r }, { status: 200, headers: ['Content-Type', 'text/plain; charset=utf-8'], body: 'hi' });
    assert.ok(Object.isFrozen(r));
    assert.ok(Object.isFrozen(r.headers));
    assert.throws(() => {
      'use strict';
      r.headers.push('x', 'y');
    }, TypeError);
  });

  test('replies without extra fields share one frozen header list', () => {
    assert.equal(text('a').headers, text('b', 201).headers);
    assert.equal(json(1).headers, json(2).headers);
    assert.notEqual(text('a').headers, html('a').headers);
  });

  test('html() and json()', () => {
    assert.deepEqual(html('<p>x</p>', 201).headers, ['Content-Type', 'text/html; charset=utf-8']);
    assert.equal(html('<p>x</p>', 201).status, 201);
    const j = json({ a: [1, 'two'] }, 202);
    assert.equal(j.status, 202);
    assert.equal(j.body, '{"a":[1,"two"]}');
    assert.deepEqual(j.headers, ['Content-Type', 'application/json']);
    assert.throws(() => json(undefined), /not JSON-serializable/);
    assert.throws(() => json(() => 1), TypeError);
  });

  test('extra fields: object or flat list; a content-type of the user replaces the default', () => {
    assert.deepEqual(text('x', 200, { 'cache-control': 'no-store' }).headers, ['Content-Type', 'text/plain; charset=utf-8', 'cache-control', 'no-store']);
    assert.deepEqual(text('x', 200, ['Content-Type', 'text/csv', 'x-a', '1']).headers, ['Content-Type', 'text/csv', 'x-a', '1']);
    assert.deepEqual(json(0, 200, { 'set-cookie': ['a=1', 'b=2'] }).headers, ['Content-Type', 'application/json', 'set-cookie', 'a=1', 'set-cookie', 'b=2']);
    assert.ok(Object.isFrozen(text('x', 200, { a: 'b' }).headers));
  });

  test('reply() and redirect()', () => {
    assert.deepEqual({ ...reply(204) }, { status: 204, headers: [], body: null });
    const bytes = Buffer.from([1, 2, 3]);
    const r = reply(200, bytes, ['content-type', 'application/octet-stream']);
    assert.equal(r.body, bytes);
    assert.deepEqual({ ...redirect('/there') }, { status: 302, headers: ['Location', '/there'], body: null });
    assert.equal(redirect('/x', 308).status, 308);
    assert.throws(() => redirect('/x', 200), RangeError);
  });

  test('bad input is refused when the reply is built, not when it is sent', () => {
    assert.throws(() => text('x', 99), RangeError);
    assert.throws(() => text('x', 1000), RangeError);
    assert.throws(() => text('x', 200.5), RangeError);
    assert.throws(() => reply(101), RangeError);
    assert.throws(() => text('x', 200, { 'x-a': 'ok\r\nset-cookie: evil=1' }), /invalid value for header x-a/);
    assert.throws(() => text('x', 200, { 'bad name': 'v' }), /invalid header name/);
    assert.throws(() => text('x', 200, ['x-a']), /even length/);
    assert.throws(() => redirect('/a\nb'), TypeError);
  });
});
