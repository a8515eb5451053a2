// The flags of `fourfold serve` (and `fourfold demo`), read into ServeOptions.
// This only reads: a flag's syntax (is "abc" a number, "2x" a duration?) and
// the flags themselves (unknown, missing value). Whether a value is allowed
// — port range, known model, timeouts above zero — is checked where every
// option is checked, serve()'s resolveConfig (models/config.ts), so the CLI
// and the API refuse the same things with the same words.
//
// Node's parseArgs splits the words (its tokens); the messages are ours.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { availableParallelism } from 'node:os';
import { UsageError, type ServeOptions } from '../serve.js';
import { didYouMean } from '../models/suggest.js';
import type { PollerName } from '../models/event-loop/pollers/names.js';
import type { LogFormat } from '../app/access-log.js';
import { readDuration, readSize, readInteger } from './units.js';

type Options = ServeOptions & { timeouts: NonNullable<ServeOptions['timeouts']>; limits: NonNullable<ServeOptions['limits']> };

/** A flag that takes a value (`--port 8080`, `--port=8080`, `-p 8080`). */
interface ValueFlag {
  readonly value: string; // how help shows it: <n>, <dur>…
  readonly short?: string;
  set(o: Options, value: string, flag: string): void;
}
/** A flag that is on or off by its presence (`--cors`, `--no-compress`). */
interface Switch {
  readonly value?: undefined;
  readonly short?: string;
  set(o: Options): void;
}
type Flag = ValueFlag | Switch;

const int = (v: string, flag: string) => readInteger(flag, v);
const dur = (v: string, flag: string) => readDuration(flag, v);
const size = (v: string, flag: string) => readSize(flag, v);

/** Every flag, by its long name. The help text (serve-command.ts) lists them all; a test checks it does. */
export const SERVE_FLAGS: Readonly<Record<string, Flag>> = {
  model: { value: '<name>', set: (o, v) => (o.model = v) },
  poller: { value: '<name>', set: (o, v) => (o.poller = v as PollerName) },
  workers: { value: '<n|auto>', set: (o, v, f) => (o.workers = v === 'auto' ? availableParallelism() : int(v, f)) },
  'max-children': { value: '<n>', set: (o, v, f) => (o.maxChildren = int(v, f)) },
  'max-threads': { value: '<n>', set: (o, v, f) => (o.maxThreads = int(v, f)) },
  'max-requests': { value: '<n>', set: (o, v, f) => (o.maxRequests = int(v, f)) },
  host: { value: '<address>', short: 'a', set: (o, v) => (o.host = v) },
  port: { value: '<n>', short: 'p', set: (o, v, f) => (o.port = int(v, f)) },
  backlog: { value: '<n>', set: (o, v, f) => (o.backlog = int(v, f)) },
  app: { value: '<module>', set: (o, v) => (o.app = v) },
  'handler-first': { set: (o) => (o.order = 'handler-first') },
  'dir-listing': { set: (o) => (o.dirListing = true) },
  'no-dir-listing': { set: (o) => (o.dirListing = false) },
  'cache-control': { value: '<value>', set: (o, v) => (o.cacheControl = v) },
  cors: { set: (o) => (o.cors = true) },
  spa: { set: (o) => (o.spa = true) },
  'no-404-page': { set: (o) => (o.notFoundPage = false) },
  'no-clean-urls': { set: (o) => (o.cleanUrls = false) },
  'no-compress': { set: (o) => (o.compress = false) },
  'follow-symlinks': { set: (o) => (o.followSymlinks = true) },
  dotfiles: { set: (o) => (o.dotfiles = true) },
  'cache-metadata': { value: '<dur>', set: (o, v, f) => (o.cacheMetadataMs = dur(v, f)) },
  'header-timeout': { value: '<dur>', set: (o, v, f) => (o.timeouts.headerMs = dur(v, f)) },
  'idle-timeout': { value: '<dur>', set: (o, v, f) => (o.timeouts.idleMs = dur(v, f)) },
  'send-timeout': { value: '<dur>', set: (o, v, f) => (o.timeouts.sendMs = dur(v, f)) },
  'handler-timeout': { value: '<dur>', set: (o, v, f) => (o.timeouts.handlerMs = dur(v, f)) },
  'shutdown-timeout': { value: '<dur>', set: (o, v, f) => (o.timeouts.shutdownMs = dur(v, f)) },
  'max-target': { value: '<size>', set: (o, v, f) => (o.limits.maxTarget = size(v, f)) },
  'max-header': { value: '<size>', set: (o, v, f) => (o.limits.maxHeaderBytes = size(v, f)) },
  'max-headers': { value: '<n>', set: (o, v, f) => (o.limits.maxHeaderCount = int(v, f)) },
  'max-body': { value: '<size>', set: (o, v, f) => (o.limits.maxBody = size(v, f)) },
  'max-body-memory': { value: '<size>', set: (o, v, f) => (o.limits.maxBodyMemory = size(v, f)) },
  log: { value: '<format>', set: (o, v) => (o.log = v as LogFormat) },
  quiet: { set: (o) => (o.quiet = true) },
  'status-path': { value: '<path>', set: (o, v) => (o.statusPath = v) },
  'status-public': { set: (o) => (o.statusPublic = true) },
  'trace-syscalls': { set: (o) => (o.traceSyscalls = true) },
};

/** Flags that are not options: they answer instead of serving. */
const ANSWERS = { help: 'h', version: 'v' } as const;

export type ServeArgs = { kind: 'serve'; options: ServeOptions } | { kind: 'help' } | { kind: 'version' };

const LONG_NAMES = [...Object.keys(SERVE_FLAGS), ...Object.keys(ANSWERS)].map((n) => `--${n}`);

/** Read argv (after the command) into ServeOptions. Throws UsageError with a one-line message. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, f] of Object.entries(SERVE_FLAGS)) config[name] = { type: f.value === undefined ? 'boolean' : 'string', ...(f.short ? { short: f.short } : {}) };
  for (const [name, short] of Object.entries(ANSWERS)) config[name] = { type: 'boolean', short };
  const { tokens } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: false, tokens: true });

  const o: Options = { timeouts: {}, limits: {} };
  const roots: string[] = [];
  let answer: 'help' | 'version' | null = null;
  try {
    for (const t of tokens) {
      if (t.kind === 'positional') {
        roots.push(t.value);
        continue;
      }
      if (t.kind !== 'option') continue; // "--": what follows is positional
      if (t.name === 'help' || t.name === 'version') {
        answer ??= t.name;
        continue;
      }
      const flag = SERVE_FLAGS[t.name];
      if (flag === undefined) {
        const hint = t.rawName.startsWith('--') ? didYouMean(t.rawName, LONG_NAMES) : '';
        throw new UsageError(`unknown option '${t.rawName}'${hint}`);
      }
      const shown = `--${t.name}`;
      if (flag.value === undefined) {
        if (t.value !== undefined) throw new UsageError(`${shown} takes no value (got ${t.rawName}=${t.value})`);
        flag.set(o);
        continue;
      }
      // A value that is itself a flag means the value was forgotten ("--port --cors").
      const v = t.value;
      if (v === undefined || (!t.inlineValue && isFlag(v))) throw new UsageError(`${shown} needs a value: ${shown} ${flag.value}`);
      flag.set(o, v, t.name);
    }
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  if (answer !== null) return { kind: answer };
  if (roots.length > 1) throw new UsageError(`expected at most one root directory, got ${roots.length}: ${roots.join(' ')}`);
  if (roots.length === 1) o.root = roots[0];
  return { kind: 'serve', options: o };
}

function isFlag(word: string): boolean {
  if (word.startsWith('--')) return word.length > 2;
  return /^-[a-z]$/i.test(word) && (Object.values(ANSWERS) as string[]).concat(Object.values(SERVE_FLAGS).flatMap((f) => (f.short ? [f.short] : []))).includes(word[1]!);
}
