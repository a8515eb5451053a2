// The request after a change to a served file sees the change, in process:
// deletions, truncation in place, rewrites, renames over the file, files
// that appear, small files answered from memory. cacheMetadataMs is the
// opt-in that trades this for a little speed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { siteFixture, field, bodyOf } from './fixtures/app-requests.mjs';

const { app, get, ...fixture } = siteFixture('fresh', { 'index.html': 'home\n' });
/** The absolute path of `rel` in the site. */
const sitePath = (rel) => fixture.site.file(rel);

// Both ways a file's bytes travel: from memory (small files) and by sendfile.
for (const [how, memoryMaxBytes] of [['from memory', 16 * 1024], ['by sendfile', 0]]) {
  describe(`served ${how}`, () => {
    test('a deleted file is gone at once; a new one is there at once', async () => {
      const a = app({ memoryMaxBytes });
      const file = sitePath(`gone-${memoryMaxBytes}.txt`);
      const target = `/gone-${memoryMaxBytes}.txt`;
      assert.equal(get(a, target).status, 404);
      fs.writeFileSync(file, 'here\n');
      assert.equal((await bodyOf(get(a, target))).toString(), 'here\n');
      fs.rmSync(file);
      assert.equal(get(a, target).status, 404);
    });

    test('truncated or rewritten in place (same inode): the new length and bytes at once', async () => {
      const a = app({ memoryMaxBytes });
      const file = sitePath(`edit-${memoryMaxBytes}.txt`);
      const target = `/edit-${memoryMaxBytes}.txt`;
      fs.writeFileSync(file, 'a rather long first version\n');
      const first = get(a, target);
      const etag = field(first, 'etag');
      assert.equal((await bodyOf(first)).toString(), 'a rather long first version\n');
      fs.truncateSync(file, 2);
      const cut = get(a, target);
      assert.equal(cut.body.length, 2);
      assert.equal((await bodyOf(cut)).toString(), 'a ');
      assert.notEqual(field(cut, 'etag'), etag);
      fs.writeFileSync(file, 'same size, other bytes!!!!!\n'); // as long as the first version
      assert.equal((await bodyOf(get(a, target))).toString(), 'same size, other bytes!!!!!\n');
      fs.rmSync(file);
    });

    test('renamed over (a new inode, as deploy tools do): the new file at once', async () => {
      const a = app({ memoryMaxBytes });
      const file = sitePath(`swap-${memoryMaxBytes}.txt`);
      fs.writeFileSync(file, 'old\n');
      assert.equal((await bodyOf(get(a, `/swap-${memoryMaxBytes}.txt`))).toString(), 'old\n');
      fs.writeFileSync(file + '.tmp', 'new\n');
      fs.renameSync(file + '.tmp', file);
      assert.equal((await bodyOf(get(a, `/swap-${memoryMaxBytes}.txt`))).toString(), 'new\n');
      fs.rmSync(file);
    });
  });
}

describe('directories and pages change too', () => {
  test('an index.html that appears, and a directory that becomes a file', async () => {
    const a = app({ notFoundPage: false });
    fs.mkdirSync(sitePath('d'));
    assert.equal(get(a, '/d/').status, 404);
    fs.writeFileSync(sitePath('d/index.html'), 'd\n');
    assert.equal((await bodyOf(get(a, '/d/'))).toString(), 'd\n');
    fs.rmSync(sitePath('d'), { recursive: true });
    fs.writeFileSync(sitePath('d'), 'now a file\n');
    assert.equal((await bodyOf(get(a, '/d'))).toString(), 'now a file\n');
    fs.rmSync(sitePath('d'));
  });

  test('a 404.html that appears or goes', async () => {
    const a = app();
    assert.equal(get(a, '/nothing').body, 'Not Found\n');
    fs.writeFileSync(sitePath('404.html'), 'lost\n');
    assert.equal((await bodyOf(get(a, '/nothing'))).toString(), 'lost\n');
    fs.rmSync(sitePath('404.html'));
    assert.equal(get(a, '/nothing').body, 'Not Found\n');
  });
});

describe('cacheMetadataMs (opt-in)', () => {
  test('trusts what it knows for that long: an edit goes unseen, then is seen', async () => {
    const a = app({ cacheMetadataMs: 50 });
    const file = sitePath('trusted.txt');
    fs.writeFileSync(file, 'one\n');
    assert.equal((await bodyOf(get(a, '/trusted.txt'))).toString(), 'one\n');
    fs.writeFileSync(file, 'two, longer\n');
    assert.equal(field(get(a, '/trusted.txt'), 'etag'), field(get(a, '/trusted.txt'), 'etag'));
    assert.equal((await bodyOf(get(a, '/trusted.txt'))).length, 4, 'still the old length: stale, as asked');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal((await bodyOf(get(a, '/trusted.txt'))).toString(), 'two, longer\n');
    fs.rmSync(file);
  });
});
