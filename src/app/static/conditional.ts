// Conditional requests (RFC 9110 §13): validators in, a decision out.
//
// Evaluation order is the one §13.2.2 prescribes:
//   1. If-Match          → false: 412
//   2. If-Unmodified-Since (only without If-Match) → false: 412
//   3. If-None-Match     → matches: 304 (GET/HEAD)
//   4. If-Modified-Since (only without If-None-Match) → not modified: 304
//   5. If-Range decides whether Range is honoured (see ifRangeHolds).
// Entity tags compare strongly for If-Match and If-Range, weakly for
// If-None-Match (§8.8.3.2). Invalid dates are ignored, never an error.

/** The request fields this module reads (undefined when absent). */
export interface ConditionalFields {
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  ifUnmodifiedSince: string | undefined;
}

/**
 * 0 to go on serving, 304 or 412. `etag` is the selected representation's
 * strong tag (with quotes); `modifiedMs` is Last-Modified in whole seconds
 * (ms units) and `modifiedText` the same as sent, for a cheap exact match.
 */
export function evaluatePreconditions(
  f: ConditionalFields,
  etag: string,
  modifiedMs: number,
  modifiedText: string,
): 0 | 304 | 412 {
  if (f.ifMatch !== undefined) {
    if (!etagListMatches(f.ifMatch, etag, true)) return 412;
  } else if (f.ifUnmodifiedSince !== undefined) {
    const since = parseHttpDate(f.ifUnmodifiedSince);
    if (since === since /* not NaN */ && modifiedMs > since) return 412;
  }
  if (f.ifNoneMatch !== undefined) {
    if (etagListMatches(f.ifNoneMatch, etag, false)) return 304;
  } else if (f.ifModifiedSince !== undefined) {
    // Browsers echo our own Last-Modified: the common case needs no parsing.
    if (f.ifModifiedSince === modifiedText) return 304;
    const since = parseHttpDate(f.ifModifiedSince);
    if (since === since && modifiedMs <= since) return 304;
  }
  return 0;
}

/**
 * Does a field value ("*" or a list of entity-tags) match our strong tag?
 * A scanner rather than split(","): a comma is a legal character inside
 * an opaque tag. Malformed input stops the scan with "no match".
 * With `strong`, weak tags (W/"…") never match.
 */
export function etagListMatches(field: string, etag: string, strong: boolean): boolean {
  const n = field.length;
  let i = 0;
  while (i < n && isOws(field.charCodeAt(i))) i++;
  if (field.charCodeAt(i) === 0x2a /* * */) {
    let j = i + 1;
    while (j < n && isOws(field.charCodeAt(j))) j++;
    return j === n; // "*" must stand alone
  }
  while (i < n) {
    const c = field.charCodeAt(i);
    if (isOws(c) || c === 0x2c /* , */) {
      i++;
      continue;
    }
    let weak = false;
    if (c === 0x57 /* W */ && field.charCodeAt(i + 1) === 0x2f /* / */) {
      weak = true;
      i += 2;
    }
    if (field.charCodeAt(i) !== 0x22 /* " */) return false;
    const end = field.indexOf('"', i + 1);
    if (end === -1) return false;
    if (!(strong && weak) && end + 1 - i === etag.length && field.startsWith(etag, i)) return true;
    i = end + 1;
  }
  return false;
}

/**
 * If-Range (§13.1.5): true when the Range header may be honoured.
 * An entity-tag must match strongly; a date must equal Last-Modified exactly
 * and be a strong validator, which we accept only when the file has not
 * changed within the last second (it could have changed twice in that second).
 */
export function ifRangeHolds(field: string, etag: string, modifiedMs: number, mtimeMs: number, nowMs: number): boolean {
  const c = field.charCodeAt(0);
  if (c === 0x22 /* " */) return field === etag;
  if (c === 0x57 /* W */ && field.charCodeAt(1) === 0x2f) return false;
  const date = parseHttpDate(field);
  return date === modifiedMs && nowMs - mtimeMs >= 1000;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

// --- HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete rfc850 and asctime forms.

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z][a-z]) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const RFC850_DATE =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([A-Z][a-z][a-z])-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
const ASCTIME_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z][a-z]) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

/** Milliseconds since the epoch, or NaN when `text` is not a valid HTTP-date. */
export function parseHttpDate(text: string): number {
  let m = IMF_FIXDATE.exec(text);
  if (m !== null) return utc(+m[3]!, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  m = RFC850_DATE.exec(text);
  if (m !== null) {
    // Two-digit year: the most recent year with those digits that is not
    // more than 50 years in the future (§5.6.7).
    const thisYear = new Date().getUTCFullYear();
    let year = thisYear - (thisYear % 100) + +m[3]!;
    if (year > thisYear + 50) year -= 100;
    return utc(year, m[2]!, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
  }
  m = ASCTIME_DATE.exec(text);
  if (m !== null) return utc(+m[6]!, m[1]!, +m[2]!.trim(), +m[3]!, +m[4]!, +m[5]!);
  return NaN;
}

function utc(year: number, monthName: string, day: number, hour: number, minute: number, second: number): number {
  const month = MONTHS.indexOf(monthName);
  if (month < 0 || month % 3 !== 0) return NaN;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return NaN;
  const ms = Date.UTC(year, month / 3, day, hour, minute, Math.min(second, 59));
  // Reject dates that Date.UTC silently rolls over, like Feb 30.
  return new Date(ms).getUTCDate() === day ? ms : NaN;
}
