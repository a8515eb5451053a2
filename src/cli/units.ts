// Flag values with units: durations ("10", "2.5s", "500ms") and sizes ("16384", "16k", "10mb").

export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (m === null) throw new RangeError(`--${flag} expects a duration like 10, 2.5s or 500ms, got '${value}'`);
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
  if (n <= 0 || n > 86_400_000) throw new RangeError(`--${flag} must be between 1ms and 24h, got '${value}'`);
  return Math.round(n);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

export function parseSize(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (m === null || unit === undefined) throw new RangeError(`--${flag} expects a size like 16384, 16k or 10mb, got '${value}'`);
  const n = Math.floor(Number(m[1]) * unit);
  if (n < 1 || n > 2 ** 40) throw new RangeError(`--${flag} is out of range: '${value}'`);
  return n;
}

export function parseInteger(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim())) throw new RangeError(`--${flag} expects a whole number, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new RangeError(`--${flag} must be between ${min} and ${max}, got ${value}`);
  return n;
}
