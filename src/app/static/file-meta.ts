// What a file's responses need, derived once each time its metadata changes
// (not per request): content type, validators, the codings it can be sent
// in, and for each of those representations its prepared, frozen header
// lists. http/ encodes a frozen list once, so a hot file's headers cost no
// string building at all.
import { COMPRESS_MAX, COMPRESS_MIN } from '../encoding/compress.js';
import type { Entry } from './file-cache.js';
import { mimeFor } from './mime.js';
import type { Reply } from '../types.js';

/** One representation of a file (identity, br or gzip) and its prepared header lists. */
export interface Representation {
  readonly etag: string;
  /** Headers of a 200 (also the start of a single-range 206). */
  readonly ok: readonly string[];
  /** Headers of a 304. */
  readonly notModified: readonly string[];
}

/** What we derive once per metadata refresh of a file. */
export interface FileMeta {
  readonly contentType: string;
  readonly lastModified: string;
  /** Last-Modified in ms, truncated to the second it shows. */
  readonly lastModifiedMs: number;
  /** True when the response depends on Accept-Encoding. */
  readonly vary: boolean;
  /** Compressible type within the on-the-fly size range. */
  readonly onTheFly: boolean;
  /** A usable precompressed sibling (file.br / file.gz) was seen. */
  readonly hasBr: boolean;
  readonly hasGz: boolean;
  readonly textual: boolean;
  readonly identity: Representation;
  readonly br: Representation;
  readonly gzip: Representation;
  /** Identity headers without Content-Type, for multipart/byteranges. */
  readonly tail: readonly string[];
  /** Keys of the compressed bodies in the CompressedCache: they change with the file. */
  readonly brKey: string;
  readonly gzipKey: string;
  /** A small file's bytes, read on first use (see small-files.ts); dropped with the metadata. */
  bytes: Buffer | null;
  /**
   * The whole small file's 200 in identity coding, as one frozen reply: http/
   * then encodes head and bytes together once per second of Date and sends
   * that buffer as it is (see encodeResponse). Dropped with the metadata.
   */
  whole: Reply | null;
}

export type FileEntry = Entry<FileMeta>;

/** The static app's settings that shape every file's headers. */
export interface MetaSettings {
  readonly compress: boolean;
  /** Cache-Control for every file response, if any. */
  readonly cacheControl: string | undefined;
}

/**
 * Build everything a file's responses need. `hasSibling` says whether a
 * usable precompressed file.br / file.gz exists next to it.
 */
export function describeFile(entry: FileEntry, settings: MetaSettings, hasSibling: (ext: '.br' | '.gz') => boolean): FileMeta {
  const { contentType, compressible } = mimeFor(entry.rel);
  const validator = `${entry.size.toString(16)}-${entry.mtimeMs.toString(16)}`;
  const lastModifiedMs = Math.floor(entry.mtimeMs / 1000) * 1000;
  const lastModified = new Date(lastModifiedMs).toUTCString();

  let hasBr = false;
  let hasGz = false;
  const isSibling = entry.rel.endsWith('.br') || entry.rel.endsWith('.gz');
  if (settings.compress && !isSibling) {
    hasBr = hasSibling('.br');
    hasGz = hasSibling('.gz');
  }
  const onTheFly = settings.compress && compressible && entry.size >= COMPRESS_MIN && entry.size <= COMPRESS_MAX;
  const vary = settings.compress && (compressible || hasBr || hasGz);

  const extra: string[] = [];
  if (settings.cacheControl !== undefined) extra.push('Cache-Control', settings.cacheControl);
  if (vary) extra.push('Vary', 'Accept-Encoding');

  const representation = (coding: string | null): Representation => {
    const etag = coding === null ? `"${validator}"` : `"${validator}-${coding}"`;
    const validators = ['ETag', etag, 'Last-Modified', lastModified];
    const ok = ['Content-Type', contentType];
    if (coding !== null) ok.push('Content-Encoding', coding);
    ok.push(...validators, 'Accept-Ranges', 'bytes', ...extra);
    return { etag, ok: Object.freeze(ok), notModified: Object.freeze([...validators, ...extra]) };
  };
  const identity = representation(null);
  const key = `${entry.real}\0${entry.size}\0${entry.mtimeMs}\0`;
  return {
    contentType,
    lastModified,
    lastModifiedMs,
    vary,
    onTheFly,
    hasBr,
    hasGz,
    textual: compressible,
    identity,
    br: representation('br'),
    gzip: representation('gzip'),
    tail: identity.ok.slice(2),
    brKey: key + 'br',
    gzipKey: key + 'gzip',
    bytes: null,
    whole: null,
  };
}
