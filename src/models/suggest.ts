// "Did you mean …?" for misspelt names: option keys (dirlisting → dirListing),
// flags (--dir-listin → --dir-listing), models and commands. A name is
// suggested when it is a few edits away, case ignored; never a wild guess.

/**
 * Edit distance with transpositions (optimal string alignment), case-insensitive:
 * "prot" is one edit from "port". Names are short: the plain O(n·m) table is fine.
 */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
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
  // dirListing ignoring case, "prot" 1 from "port"; "xyz" suggests nothing.
  const allowed = Math.min(3, Math.max(1, Math.ceil(word.length / 3)));
  if (bestDistance <= allowed) return best;
  // A known name that begins the word, or that the word begins ("maxBodySize", "cache"): likely what was meant.
  const w = word.toLowerCase();
  if (w.length < 4) return undefined;
  return known.find((k) => {
    const b = bare(k).toLowerCase();
    return b.length >= 4 && (w.startsWith(b) || b.startsWith(w));
  });
}

const bare = (name: string) => name.replace(/^-+/, '');

/** " (did you mean X?)" or "". */
export function didYouMean(word: string, known: readonly string[]): string {
  const k = closest(word, known);
  return k === undefined ? '' : ` (did you mean ${k}?)`;
}
