// Native handlers that answer with plain objects (no import from fourfold,
// as an `npx` user writes them), in process: the forms accepted, the
// mistakes refused with a message that says what is wrong, and the rule that
// 204, 205 and 304 never carry a body — for the helpers too.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { reply, text, json } from '../dist/app/handler/native.js';
import { handlerApp, loadHandler } from '../dist/app/handler/load.js';
import { ROOT, APPS, request, field } from './fixtures/handler-requests.mjs';

/** What the native handler's answer becomes. */
const answer = (value) => handlerApp({ handle: () => value }).handle(request());

describe('plain replies', () => {
  test('headers as an object (arrays for repeated fields) or a flat list; status alone is enough', () => {
    const r = answer({ status: 200, headers: { 'Content-Type': 'text/plain', 'Set-Cookie': ['a=1', 'b=2'] }, body: 'hi' });
    assert.deepEqual(r.headers, ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
    assert.equal(r.body, 'hi');
    const list = { status: 201, headers: ['X-A', '1'], body: Buffer.from('x') };
    assert.equal(answer(list), list, 'already a Reply: the same object');
    assert.deepEqual({ ...answer({ status: 204 }) }, { status: 204, headers: [], body: null });
    assert.deepEqual(answer({ status: 200, body: new Uint8Array([1, 2]).buffer }).body, new Uint8Array([1, 2]));
    assert.equal(answer({ status: 299, reason: 'Fine', body: null }).reason, 'Fine');
  });

  test('a frozen plain reply is checked and converted once', () => {
    const constant = Object.freeze({ status: 200, headers: Object.freeze({ 'Content-Type': 'text/plain' }), body: 'same' });
    const first = answer(constant);
    assert.ok(Object.isFrozen(first));
    assert.equal(answer(constant), first);
  });

  test('undefined and null are "not mine"; asynchronous answers are checked too', async () => {
    const app = handlerApp({ handle: (req) => (req.path === '/null' ? null : undefined) });
    assert.equal(app.handleOrUndefined(request({ target: '/null' })), undefined);
    assert.equal(app.handle(request({ target: '/null' })).status, 404);
    const later = handlerApp({ handle: async () => ({ status: 200, headers: { 'X-Late': 'yes' } }) });
    assert.equal(field(await later.handle(request()), 'x-late'), 'yes');
    await assert.rejects(handlerApp({ handle: async () => ({ status: 42 }) }).handle(request()), /status must be an integer from 200 to 999, got 42/);
  });

  test('mistakes are refused with a message naming them', () => {
    const wrong = [
      ['text', /native handler returned a string, not a reply/],
      [{ body: 'no status' }, /status must be an integer from 200 to 999, got undefined/],
      [{ status: '200' }, /status must be an integer from 200 to 999, got a string/],
      [{ status: 1000 }, /got 1000/],
      [{ status: 200, headers: { 'bad name': 'x' } }, /invalid header name: "bad name"/],
      [{ status: 200, headers: { 'x-a': 'a\r\nSet-Cookie: evil=1' } }, /invalid value for header x-a/],
      [{ status: 200, headers: { 'x-count': 5 } }, /invalid value for header x-count: 5/],
      [{ status: 200, headers: ['x-a'] }, /even length/],
      [{ status: 200, headers: 'x-a: 1' }, /headers must be an object/],
      [{ status: 200, body: 42 }, /body must be a string, bytes, an async iterable or null, got a number/],
      [{ status: 200, body: { text: 'hi' } }, /got an object \(Object\)/],
      [{ status: 200, reason: 'bad\nreason' }, /invalid reason/],
    ];
    for (const [value, message] of wrong) assert.throws(() => answer(value), message, JSON.stringify(value));
  });

  test('the plain-app fixture (copied beside no fourfold in the live tests) loads and answers', async () => {
    const app = await loadHandler(`${APPS}/plain-app.mjs`, ROOT);
    assert.equal(app.kind, 'native');
    assert.equal(field(app.handle(request({ target: '/hi' })), 'x-kind'), 'object');
    assert.throws(() => app.handle(request({ target: '/reset' })), /a 205 reply has no body/);
  });
});

describe('204, 205 and 304 have no body', () => {
  test('the helpers refuse one when the reply is built', () => {
    for (const status of [204, 205, 304]) {
      assert.throws(() => reply(status, 'x'), new RegExp(`reply\\(\\): a ${status} reply has no body`));
      assert.throws(() => text('x', status), RangeError);
      assert.throws(() => json({}, status), RangeError);
      assert.equal(reply(status).body, null);
      assert.equal(reply(status, '').status, status, 'an empty body is none');
    }
    assert.throws(() => reply(205, (async function* () {})()), RangeError);
  });

  test('so do plain replies', () => {
    assert.throws(() => answer({ status: 205, body: 'reset' }), /native handler reply: a 205 reply has no body/);
    assert.throws(() => answer({ status: 304, body: Buffer.from('x') }), /a 304 reply has no body/);
    assert.equal(answer({ status: 205 }).body, null);
  });
});
