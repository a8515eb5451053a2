// Item 4 of "Everyday use": every option is checked in one place
// (resolveConfig and chooseModel), so serve() and the CLI refuse the same
// mistakes, each with a message that names the option and what it accepts.
// Item 17: UsageError and StartError have their own names; server.model and
// server.workers say what runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, UsageError, StartError } from '../dist/index.js';
import { runCli } from './helpers/server.mjs';

const refused = [
  [{ port: 'abc' }, /^port must be a whole number from 0 to 65535, got 'abc'$/],
  [{ port: 8080.5 }, /^port must be a whole number from 0 to 65535, got 8080\.5$/],
  [{ port: 70000 }, /^port must be a whole number/],
  [{ host: 'nothost' }, /^host must be an IP address .* or localhost, got 'nothost'$/],
  [{ backlog: 0 }, /^backlog must be a whole number from 1 to 65535/],
  [{ timeouts: { headerMs: -5 } }, /^timeouts\.headerMs must be a duration from 1 ms to 24 h .*got -5 ms$/],
  [{ timeouts: { idleMs: 0 } }, /^timeouts\.idleMs must be a duration/],
  [{ timeouts: { sendMs: 'soon' } }, /^timeouts\.sendMs must be a duration .*got 'soon'$/],
  [{ timeouts: { handlerMs: Infinity } }, /^timeouts\.handlerMs must be a duration .*got Infinity$/],
  [{ timeouts: { shutdownMs: -1 } }, /^timeouts\.shutdownMs must be a duration from 0 ms/],
  [{ timeouts: { headerms: 5 } }, /^unknown option 'timeouts\.headerms' \(did you mean timeouts\.headerMs\?\)$/],
  [{ timeouts: 5 }, /^timeouts must be an object/],
  [{ limits: { maxBody: -1 } }, /^limits\.maxBody must be a size in bytes from 0/],
  [{ limits: { maxHeaderCount: 0 } }, /^limits\.maxHeaderCount must be a whole number from 1 to 10000/],
  [{ limits: { maxBodySize: 1 } }, /^unknown option 'limits\.maxBodySize' \(did you mean limits\.maxBody\?\)$/],
  [{ log: 'bogus' }, /^log must be combined, json or off, got 'bogus'$/],
  [{ log: 'jsno' }, /^log must be combined, json or off, got 'jsno' \(did you mean json\?\)$/],
  [{ quiet: 'yes' }, /^quiet must be true or false, got 'yes'$/],
  [{ dirlisting: true }, /^unknown option 'dirlisting' \(did you mean dirListing\?\)$/],
  [{ prot: 80 }, /^unknown option 'prot' \(did you mean port\?\)$/],
  [{ frobnicate: 1 }, /^unknown option 'frobnicate'$/],
  [{ dirListing: 'yes' }, /^dirListing must be true or false/],
  [{ cacheControl: 'no-cache\r\nX-Evil: 1' }, /^cacheControl must be a header value on one line/],
  [{ order: 'app-first' }, /^order must be files-first or handler-first, got 'app-first'$/],
  [{ cacheMetadataMs: -1 }, /^cacheMetadataMs must be a duration from 0 ms/],
  [{ memoryMaxBytes: 1.5 }, /^memoryMaxBytes must be a size in bytes/],
  [{ root: 42 }, /^root must be a directory path, got 42$/],
  [{ app: 42 }, /^app must be a module path, or an object with fetch\(\) or handle\(\), got 42$/],
  [{ model: 'fork' }, /^unknown model 'fork' \(choose: iterative, process, prefork, thread, threadpool, event-loop\)$/],
  [{ model: 'iterativ' }, /^unknown model 'iterativ' \(did you mean iterative\? choose: /],
  [{ model: 'iterative', workers: 2 }, /^workers applies to model prefork or threadpool or event-loop, not iterative$/],
  [{ poller: 'kqueue' }, /^unknown poller 'kqueue' \(choose: epoll, poll, select\)$/],
];

for (const [options, message] of refused) {
  test(`serve(${JSON.stringify(options)}) rejects with a UsageError that says what is wrong`, async () => {
    // (A server that starts after all is closed again, so a failing run still ends.)
    const e = await serve({ port: 0, quiet: true, ...options }).then(async (server) => {
      await server.close();
      return null;
    }, (error) => error);
    assert.ok(e instanceof UsageError, e === null ? 'the server started' : `${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.name, 'UsageError');
    assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'one line');
  });
}

test('StartError has its own name too', async () => {
  await assert.rejects(serve({ port: 0, quiet: true, root: '/no/such/dir' }), (e) => e instanceof StartError && e.name === 'StartError' && /root directory not found/.test(e.message));
  assert.match(String(new UsageError('x').stack), /^UsageError: x/);
});

test('valid options start a server; server.model is the model, server.workers its workers', async () => {
  const s = await serve({ port: 0, quiet: true, root: 'test/fixtures/site', timeouts: { headerMs: 2000, shutdownMs: 0 }, limits: { maxBody: 0 }, cacheMetadataMs: 0, order: 'handler-first' });
  try {
    assert.equal(s.model, 'event-loop');
    assert.equal(s.workers, 1);
    assert.equal(await (await fetch(`${s.url}/hello.txt`)).text(), 'Hello, fixture!\n');
  } finally {
    await s.close();
  }
});

// The CLI only reads its flags; the same checks refuse them, naming the flag.
const cliRefused = [
  [['--host', 'nothost'], /^fourfold: --host must be an IP address .* or localhost, got 'nothost'; see fourfold serve --help$/],
  [['--header-timeout', '0'], /^fourfold: --header-timeout must be a duration from 1 ms to 24 h .*got 0 ms; see fourfold serve --help$/],
  [['--max-headers', '0'], /^fourfold: --max-headers must be a whole number from 1 to 10000, got 0;/],
  [['--max-body-memory', '0'], /^fourfold: --max-body-memory must be a size in bytes from 1/],
  [['--log', 'jsno'], /^fourfold: --log must be combined, json or off, got 'jsno' \(did you mean json\?\);/],
  [['--cache-control', 'a\u0001b'], /^fourfold: --cache-control must be a header value on one line/],
  [['--model', 'iterative', '--workers', '2'], /^fourfold: --workers applies to --model prefork or threadpool or event-loop, not iterative;/],
  [['--model', 'iterative', '--max-requests', '2'], /^fourfold: --max-requests applies to --model prefork or threadpool, not iterative;/],
];
for (const [args, message] of cliRefused) {
  test(`fourfold serve ${args.join(' ')}: one line naming the flag, exit 2`, async () => {
    const r = await runCli(['serve', '--port', '0', ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
}
