// fourfold's package entry: the programmatic server and the native handler API.
export { serve, DEMO_ROOT, UsageError, StartError, type ServeOptions, type Server } from './serve.js';
export { text, json, html, reply, redirect } from './app/handler/native.js';
export type { Request, Reply, FileBody } from './http/types.js';
export type { App } from './app/types.js';
export { MODELS } from './models/index.js';
