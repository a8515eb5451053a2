// "Did you mean …?" for misspelt names: option keys (dirlisting → dirListing),
// flags (--dir-listin → --dir-listing), models and commands. A name is
// suggested when it is a few edits away, case ignored; never a wild guess.

/** Levenshtein distance, case-insensitive. Names are short: the plain O(n·m) table is fine. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The known name closest to `word`, if it is close enough to be what was meant. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  word = bare(word); // a flag's dashes are no evidence either way
  for (const k of known) {
    const d = distance(word, bare(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  // About a third of the word may be wrong (1 to 3 edits): "dirlisting" is 0 away from
  // dirListing ignoring case, "prot" 2 from "port"; "xyz" suggests nothing.
  const allowed = Math.min(3, Math.max(1, Math.ceil(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

const bare = (name: string) => name.replace(/^-+/, '');

/** " (did you mean X?)" or "". */
export function didYouMean(word: string, known: readonly string[]): string {
  const k = closest(word, known);
  return k === undefined ? '' : ` (did you mean ${k}?)`;
}
