// Numbers as the report prints them.

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 41234.5 → "41,235"; small numbers keep up to 3 significant digits ("0.42", "7.3"). */
export function num(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 100) return int.format(n);
  if (n === 0) return '0';
  return String(Number(n.toPrecision(Math.abs(n) >= 10 ? 3 : 2)));
}

export const rps = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${num(n)} req/s`);

/** Milliseconds, in the unit that reads best: "85 µs", "4.6 ms", "1.2 s". */
export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n < 1) return `${num(n * 1000)} µs`;
  if (n < 1000) return `${num(n)} ms`;
  return `${num(n / 1000)} s`;
}

export const us = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${num(n)} µs`);

export const pct = (fraction: number | null | undefined) => (fraction === null || fraction === undefined || !Number.isFinite(fraction) ? '–' : `${num(fraction * 100)}%`);

export function kb(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1024) return `${num(n / 1024)} MB`;
  return `${num(n)} KB`;
}

/** "a, b and c" */
export function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
