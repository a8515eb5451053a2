// The sans-I/O HTTP/1.1 layer: bytes in → requests; replies → bytes.
export { HttpConnection, Event, Phase } from './connection.js';
export { encodeResponse, errorReply, closingResponse, reasonPhrase, isManagedField, chunkBytes, Outgoing } from './response.js';
export { isToken, isFieldValue, listHas } from './chars.js';
export type { Request, Reply, FileBody } from './types.js';
export { HttpError } from './errors.js';
export { defaultLimits, type Limits } from './limits.js';
export { BodyBudget } from './body.js';
export { httpDate } from './date.js';
export { ParsedRequest } from './request.js';
