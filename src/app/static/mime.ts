// Content-Type for a file name, from the mime-types database, with the
// charset that browsers need to decode text correctly. Results are memoised
// per extension: a site has few extensions and this runs on every refresh.
//
// The database (mime-db, ~200 KB of JSON) is loaded when a static app is
// created (loadMimeTypes), at a worker's start, not on the first lookup: a
// require() that meets EMFILE under descriptor pressure fails, and Node
// (24) keeps the failure of the package.json read, so that worker would
// fail every later lookup too. Loaded at start, it cannot meet a full table.
import path from 'node:path';
import { createRequire } from 'node:module';
import { isCompressible, loadCompressible } from '../encoding/compress.js';

const require = createRequire(import.meta.url);
let mime: typeof import('mime-types') | null = null;

export interface MimeInfo {
  /** Full Content-Type value, e.g. "text/html; charset=utf-8". */
  readonly contentType: string;
  /** Worth compressing (text-like), according to the compressible package. */
  readonly compressible: boolean;
}

const DEFAULT_TYPE = 'application/octet-stream';
const byExtension = new Map<string, MimeInfo>();

/** Text-like types get "; charset=utf-8": everything the site serves is UTF-8. */
function needsCharset(type: string): boolean {
  return (
    type.startsWith('text/') ||
    type.includes('javascript') ||
    type.includes('json') ||
    type.includes('xml') // also covers image/svg+xml and application/xhtml+xml
  );
}

/** Load the database now (a static app's creation calls this). */
export function loadMimeTypes(): void {
  mime ??= require('mime-types') as typeof import('mime-types');
  loadCompressible();
}

export function mimeFor(fileName: string): MimeInfo {
  const ext = path.posix.extname(fileName).toLowerCase();
  let info = byExtension.get(ext);
  if (info === undefined) {
    loadMimeTypes();
    const type = (ext !== '' && mime!.lookup(ext)) || DEFAULT_TYPE;
    info = {
      contentType: needsCharset(type) ? `${type}; charset=utf-8` : type,
      compressible: isCompressible(type),
    };
    if (byExtension.size < 1024) byExtension.set(ext, info);
  }
  return info;
}
