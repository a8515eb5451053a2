// Character classes of the RFC 9110 / 9112 ABNF as 256-entry lookup tables:
// one array read per byte, no regular expressions on the hot path.

function table(test: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = test(c) ? 1 : 0;
  return t;
}

const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
export const TCHAR = table((c) => isAlnum(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/** field-value characters: VCHAR / obs-text / SP / HTAB (no other CTLs, no DEL). */
export const FIELD_VCHAR = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/** request-target characters: visible ASCII only (no SP, no CTL, no obs-text). */
export const TARGET_CHAR = table((c) => c > 0x20 && c < 0x7f);

/** HEXDIG value, or 255 for a non-hex byte. */
export const HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = 10 + c;
    t[0x61 + c] = 10 + c;
  }
  return t;
})();

/** True when every char of s[from, to) is in the table. */
export function allIn(t: Uint8Array, s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (t[s.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

/** Does a comma-separated token list (Connection, Transfer-Encoding…) contain `token`? Case-insensitive. */
export function listHas(value: string, token: string): boolean {
  const v = value.toLowerCase();
  let from = 0;
  for (;;) {
    const i = v.indexOf(token, from);
    if (i < 0) return false;
    const end = i + token.length;
    if (isListEdge(v, i - 1, -1) && isListEdge(v, end, 1)) return true;
    from = i + 1;
  }
}

function isListEdge(v: string, i: number, step: number): boolean {
  for (; i >= 0 && i < v.length; i += step) {
    const c = v.charCodeAt(i);
    if (c === 0x2c) return true; // ","
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** token = 1*tchar (RFC 9110 §5.6.2): methods, field names, codings. */
export function isToken(s: string): boolean {
  return s.length > 0 && allIn(TCHAR, s, 0, s.length);
}

/** A field value as it may be sent: VCHAR / obs-text / SP / HTAB only (no CR, LF, NUL or other CTL). */
export function isFieldValue(s: string): boolean {
  return allIn(FIELD_VCHAR, s, 0, s.length);
}
