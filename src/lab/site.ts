// The files every server under test serves: the static scenarios' 4 KiB and
// 1 MiB files, and an index.html with the hello body for peers that serve "/"
// from disk. Written to a temporary directory that the lab removes at exit.
import { mkdtempSync, mkdirSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trackDir } from './cleanup.js';

export interface Scratch {
  /** The temporary directory (removed at exit). */
  dir: string;
  /** Static root served by every server. */
  site: string;
}

export function makeScratch(): Scratch {
  const dir = trackDir(realpathSync(mkdtempSync(path.join(tmpdir(), 'fourfold-bench-'))));
  const site = path.join(dir, 'site');
  mkdirSync(site);
  writeFileSync(path.join(site, 'file4k.bin'), Buffer.alloc(4096, 'a'));
  writeFileSync(path.join(site, 'file1m.bin'), Buffer.alloc(1 << 20, 'b'));
  writeFileSync(path.join(site, 'index.html'), 'Hello, World!');
  return { dir, site };
}
