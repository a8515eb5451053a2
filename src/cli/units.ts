// Flag values with units: durations ("10", "2.5s", "500ms") and sizes ("16384", "16k", "10mb").
// The read* functions only read the syntax; whether the value is in range is
// for models/config.ts to say (one place for every option, CLI or serve()).
// The parse* functions also check a range, for commands whose options are
// their own (bench).

/** "10" (seconds), "2.5s", "500ms" → milliseconds. */
export function readDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (m === null) throw new RangeError(`--${flag} expects a duration like 10, 2.5s or 500ms, got '${value}'`);
  return Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : 1000));
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** "16384", "16k", "10mb" → bytes. */
export function readSize(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (m === null || unit === undefined) throw new RangeError(`--${flag} expects a size like 16384, 16k or 10mb, got '${value}'`);
  return Math.floor(Number(m[1]) * unit);
}

export function readInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new RangeError(`--${flag} expects a whole number, got '${value}'`);
  return Number(value);
}

export function parseDuration(flag: string, value: string): number {
  const n = readDuration(flag, value);
  if (n <= 0 || n > 86_400_000) throw new RangeError(`--${flag} must be between 1ms and 24h, got '${value}'`);
  return n;
}

export function parseSize(flag: string, value: string): number {
  const n = readSize(flag, value);
  if (n < 1 || n > 2 ** 40) throw new RangeError(`--${flag} is out of range: '${value}'`);
  return n;
}

export function parseInteger(flag: string, value: string, min: number, max: number): number {
  const n = readInteger(flag, value);
  if (n < min || n > max) throw new RangeError(`--${flag} must be between ${min} and ${max}, got ${value}`);
  return n;
}
