// Cross-origin resource sharing (the Fetch standard's CORS protocol) in its
// simplest public form: any origin may read any response, and preflight
// requests are answered by the server itself, before any handler sees them.
//
// One layer around a whole application (compose.ts puts it around files,
// handler and 404 alike; a static app alone wears it too). It adds one field
// to every reply; for frozen replies and header lists the result is made
// once and remembered, so http/ can keep encoding them once.
import { isToken } from '../http/index.js';
import { fieldIndex } from './fields.js';
import { isThenable } from './maybe-async.js';
import type { Reply, Request } from './types.js';

/** The field that lets any origin read a response. */
export const ALLOW_ANY_ORIGIN: readonly string[] = Object.freeze(['Access-Control-Allow-Origin', '*']);

/** How long a browser may cache a preflight answer, in seconds. */
const MAX_AGE = '86400';

type Answer = (request: Request) => Reply | Promise<Reply>;

/**
 * `answer` with CORS: preflights answered here, every other reply with
 * Access-Control-Allow-Origin: * (unless it has its own). `allowMethods` is
 * what a preflight allows; null allows the method asked for (a handler
 * decides for itself what it accepts, and says so with 405).
 */
export function corsLayer(answer: (request: Request) => Reply, allowMethods: string | null): (request: Request) => Reply;
export function corsLayer(answer: Answer, allowMethods: string | null): Answer;
export function corsLayer(answer: Answer, allowMethods: string | null): Answer {
  return (req) => {
    if (isPreflight(req)) return preflightReply(req, allowMethods);
    const r = answer(req);
    return isThenable(r) ? r.then(withAllowOrigin) : withAllowOrigin(r);
  };
}

/** A preflight: OPTIONS asking whether a cross-origin request may be made. */
export function isPreflight(req: Request): boolean {
  return req.method === 'OPTIONS' && req.header('access-control-request-method') !== undefined;
}

/**
 * 204 with any origin, the allowed methods, the request headers the browser
 * asked about (echoed when they are a valid token list, else "*"), and how
 * long to remember it.
 */
export function preflightReply(req: Request, allowMethods: string | null): Reply {
  const method = req.header('access-control-request-method')!;
  const requested = req.header('access-control-request-headers');
  const headers = [
    ...ALLOW_ANY_ORIGIN,
    'Access-Control-Allow-Methods', allowMethods ?? (isToken(method) ? method : '*'),
    'Access-Control-Allow-Headers', requested !== undefined && isTokenList(requested) ? requested : '*',
    'Access-Control-Max-Age', MAX_AGE,
  ];
  return { status: 204, headers, body: null };
}

// Frozen replies and frozen header lists, with the field added: made once.
const replyTwins = new WeakMap<Reply, Reply>();
const listTwins = new WeakMap<readonly string[], string[]>();

/** `reply` with Access-Control-Allow-Origin: * — the same reply when it already has the field. */
export function withAllowOrigin(reply: Reply): Reply {
  const frozen = Object.isFrozen(reply);
  if (frozen) {
    const twin = replyTwins.get(reply);
    if (twin !== undefined) return twin;
  }
  const headers = withOriginField(reply.headers);
  if (headers === reply.headers) return reply;
  const out: Reply = { ...reply, headers };
  if (frozen) replyTwins.set(reply, Object.freeze(out));
  return out;
}

function withOriginField(headers: string[]): string[] {
  if (!Object.isFrozen(headers)) return hasOrigin(headers) ? headers : [...headers, ...ALLOW_ANY_ORIGIN];
  let twin = listTwins.get(headers);
  if (twin === undefined) {
    twin = hasOrigin(headers) ? headers : (Object.freeze([...headers, ...ALLOW_ANY_ORIGIN]) as string[]);
    listTwins.set(headers, twin);
  }
  return twin;
}

/** The application set its own (a handler with its own CORS policy): it wins. */
function hasOrigin(headers: readonly string[]): boolean {
  return fieldIndex(headers, 'access-control-allow-origin') >= 0;
}

/** "a, b,c": a comma-separated list of tokens (RFC 9110 §5.6.1), nothing else. */
export function isTokenList(value: string): boolean {
  for (const element of value.split(',')) {
    if (!isToken(element.replace(OWS_EDGES, ''))) return false;
  }
  return true;
}

const OWS_EDGES = /^[ \t]+|[ \t]+$/g;
