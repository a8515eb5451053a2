// How many descriptors this process may still open: RLIMIT_NOFILE (read from
// /proc each time, as `prlimit --pid` may change it while we run) less those
// open below it. The limit bounds descriptor numbers, not their count: a new
// descriptor takes the lowest free number and fails with EMFILE if that is
// not below the limit. Linux only, like the rest of the sys layer.
import { readFileSync, readdirSync } from 'node:fs';

const LIMIT = /^Max open files\s+(\d+|unlimited)/m;

export function freeDescriptors(): number {
  const m = LIMIT.exec(readFileSync('/proc/self/limits', 'latin1'));
  if (m === null || m[1] === 'unlimited') return Infinity;
  const limit = Number(m[1]);
  let below = 0;
  for (const name of readdirSync('/proc/self/fd')) if (Number(name) < limit) below++;
  return limit - below + 1; // (readdir's own descriptor was counted, and is closed again)
}
