// The fixture site the conformance suite serves, made reproducible:
// file4k.txt and blob.bin are generated from a formula (so the suite knows
// every byte), and every file gets a fixed mtime (so Last-Modified is known).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/server.mjs';

export const SITE = path.join(ROOT, 'test/fixtures/site');
export const ECHO_APP = path.join(ROOT, 'test/fixtures/apps/echo-app.mjs');

/** The mtime given to every fixture file, and how Last-Modified must spell it. */
export const FIXED_MTIME = new Date('2020-02-01T12:00:00Z');
export const LAST_MODIFIED = 'Sat, 01 Feb 2020 12:00:00 GMT';

export const BLOB_SIZE = 100_000;

/** 64 lines of 64 bytes: "line 00 abc…\n" — 4096 bytes, each line numbered so a wrong offset shows. */
export function file4kText() {
  const tail = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS'; // 55 bytes
  let text = '';
  for (let i = 0; i < 64; i++) text += `line ${String(i).padStart(2, '0')} ${tail}\n`;
  return text;
}

/** 100,000 pseudo-random bytes from a fixed-seed LCG: incompressible and never UTF-8 clean. */
export function blobBytes() {
  const out = Buffer.allocUnsafe(BLOB_SIZE);
  let x = 0x2545f491;
  for (let i = 0; i < BLOB_SIZE; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Write a file only when its content differs (keeps the tree quiet for git). */
function ensureFile(file, content) {
  const want = Buffer.isBuffer(content) ? content : Buffer.from(content, 'latin1');
  let have = null;
  try {
    have = fs.readFileSync(file);
  } catch {
    /* missing: write it */
  }
  if (!have || !have.equals(want)) fs.writeFileSync(file, want);
}

function pinTimes(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) pinTimes(p);
    fs.utimesSync(p, FIXED_MTIME, FIXED_MTIME);
  }
  fs.utimesSync(dir, FIXED_MTIME, FIXED_MTIME);
}

/** Make the site exactly what the cases expect. Call before starting a server. */
export function prepareSite() {
  ensureFile(path.join(SITE, 'file4k.txt'), file4kText());
  ensureFile(path.join(SITE, 'blob.bin'), blobBytes());
  const hello = fs.readFileSync(path.join(SITE, 'hello.txt'), 'latin1');
  if (hello !== 'Hello, fixture!\n') throw new Error('test/fixtures/site/hello.txt was edited: the cases rely on it');
  if (fs.statSync(path.join(SITE, 'style.css')).size <= 2048) throw new Error('test/fixtures/site/style.css must stay > 2 KiB');
  if (fs.existsSync(path.join(SITE, 'nodir/index.html'))) throw new Error('test/fixtures/site/nodir/ must not have an index.html');
  pinTimes(SITE);
}

/** The bytes of a fixture file (relative to the site root), as latin1 text like the responses. */
export function fixtureText(name) {
  return fs.readFileSync(path.join(SITE, name)).toString('latin1');
}
