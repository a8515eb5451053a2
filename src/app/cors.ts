// Cross-origin resource sharing (the Fetch standard's CORS protocol), in its
// simplest public form: any origin may read any response, and preflight
// requests are answered by the server itself.
import { isToken } from '../http/index.js';
import type { Request } from './types.js';

/** The field that lets any origin read a response. */
export const ALLOW_ANY_ORIGIN: readonly string[] = Object.freeze(['Access-Control-Allow-Origin', '*']);

/** How long a browser may cache a preflight answer, in seconds. */
const MAX_AGE = '86400';

/**
 * The fields of a preflight answer: any origin, the methods in
 * `allowMethods`, and the request headers the browser asked about (echoed
 * when they are a valid token list, else "*").
 */
export function preflightFields(req: Request, allowMethods: string): string[] {
  const requested = req.header('access-control-request-headers');
  return [
    ...ALLOW_ANY_ORIGIN,
    'Access-Control-Allow-Methods', allowMethods,
    'Access-Control-Allow-Headers', requested !== undefined && isTokenList(requested) ? requested : '*',
    'Access-Control-Max-Age', MAX_AGE,
  ];
}

/** "a, b,c": a comma-separated list of tokens (RFC 9110 §5.6.1), nothing else. */
export function isTokenList(value: string): boolean {
  for (const element of value.split(',')) {
    if (!isToken(element.replace(OWS_EDGES, ''))) return false;
  }
  return true;
}

const OWS_EDGES = /^[ \t]+|[ \t]+$/g;
