// Which content coding to send (RFC 9110 §12.5.3): Accept-Encoding with its
// q-values against the codings we can produce. One piece for static files
// and handler responses alike.

export type Coding = 'br' | 'gzip' | 'identity';

/** q-values from one Accept-Encoding value; -1 means "not listed". */
interface Preferences {
  br: number;
  gzip: number;
  identity: number;
  star: number;
}

// Clients send the same few Accept-Encoding strings over and over.
const parsed = new Map<string, Preferences>();
const PARSED_MAX = 64;

/** Below any q a client can write (q has three decimals): unlisted identity. */
const IMPLICIT_IDENTITY = 0.0001;

/**
 * Pick the coding to send. `br`/`gzip` say which codings we can produce.
 * Highest q wins; at equal q br beats gzip beats identity. Without the field
 * we send identity (what curl and most non-browser clients expect). When every
 * option is refused, identity is sent anyway: a 406 helps nobody (§12.5.3).
 */
export function negotiateEncoding(field: string | undefined, br: boolean, gzip: boolean): Coding {
  if (field === undefined || (!br && !gzip)) return 'identity';
  let p = parsed.get(field);
  if (p === undefined) {
    p = parseAcceptEncoding(field);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(field, p);
  }
  const qBr = br ? (p.br >= 0 ? p.br : Math.max(p.star, 0)) : 0;
  const qGzip = gzip ? (p.gzip >= 0 ? p.gzip : Math.max(p.star, 0)) : 0;
  const qIdentity = p.identity >= 0 ? p.identity : p.star === 0 ? 0 : IMPLICIT_IDENTITY;
  const best = Math.max(qBr, qGzip);
  if (best === 0 || best < qIdentity) return 'identity';
  return qBr === best ? 'br' : 'gzip';
}

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function parseAcceptEncoding(field: string): Preferences {
  const p: Preferences = { br: -1, gzip: -1, identity: -1, star: -1 };
  for (const element of field.split(',')) {
    const semi = element.indexOf(';');
    const name = (semi < 0 ? element : element.slice(0, semi)).trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    if (semi >= 0) {
      const param = element.slice(semi + 1).trim();
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const value = param.slice(eq + 1).trim();
      if (!QVALUE.test(value)) continue; // an unreadable weight: ignore the element
      q = Number(value);
    }
    switch (name) {
      case 'br':
        if (p.br < 0) p.br = q;
        break;
      case 'gzip':
      case 'x-gzip': // §8.4.1.3: equivalent to gzip
        if (p.gzip < 0) p.gzip = q;
        break;
      case 'identity':
        if (p.identity < 0) p.identity = q;
        break;
      case '*':
        if (p.star < 0) p.star = q;
        break;
    }
  }
  return p;
}
