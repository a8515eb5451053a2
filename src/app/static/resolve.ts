// Safe path resolution: turn the percent-encoded request path into a path
// inside the document root, or into the status that explains why not.
//
// The rules, in order (each one closes a classic hole):
//   1. percent-decode exactly once: "%252e" stays the literal text "%2e";
//      a malformed escape or invalid UTF-8 is 400, a decoded NUL is 400;
//   2. normalise with path.posix *relative* to the root, so ".." that would
//      climb above the root is visible instead of being silently dropped,
//      and refuse it with 403; a backslash is an ordinary character;
//   3. hide dotfiles (any segment starting with ".") unless allowed, except
//      the /.well-known/ tree that RFC 8615 reserves for public metadata;
//   4. a path that ends in a dot segment ("/a/.", "/a/..", "/%2e") names a
//      directory, as RFC 3986 §5.2.4 has it ("/a/b/.." is "/a/"): so
//      "/file.txt/." is no more the file than "/file.txt/" is.
// Symlinks are checked later, against realpath(), by the file cache (which
// applies the dotfile rule to the resolved path too).
import path from 'node:path';

export interface SafePath {
  /** Decoded, normalised path: starts with "/", no trailing "/" except for the root itself. */
  readonly rel: string;
  /** The request path ended with "/" or a dot segment (asks for a directory). */
  readonly slash: boolean;
}

export type PathStatus = 400 | 403 | 404;

export function safePath(rawPath: string, allowDotfiles: boolean): SafePath | PathStatus {
  // Fast path, the common case: nothing to decode and nothing to normalise
  // (no "%", no "." or empty segments), so no dot segment either.
  if (
    rawPath.charCodeAt(0) === 0x2f &&
    !rawPath.includes('%') &&
    !rawPath.includes('/.') &&
    !rawPath.includes('//') &&
    !rawPath.includes('\0')
  ) {
    const slash = rawPath.length > 1 && rawPath.endsWith('/');
    return { rel: slash ? rawPath.slice(0, -1) : rawPath, slash: rawPath.endsWith('/') };
  }
  let decoded = rawPath;
  if (rawPath.includes('%')) {
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return 400; // "%zz", "%e0%a4" (truncated UTF-8), …
    }
  }
  if (decoded.includes('\0')) return 400;
  if (decoded.charCodeAt(0) !== 0x2f /* / */) return 400;

  // "./a/../../x" normalises to "../x": the escape stays visible.
  const norm = path.posix.normalize('.' + decoded);
  if (norm === '..' || norm.startsWith('../')) return 403;

  let rel: string;
  if (norm === '.' || norm === './') rel = '/';
  else rel = '/' + (norm.endsWith('/') ? norm.slice(0, -1) : norm);

  if (!allowDotfiles && hasHiddenSegment(rel)) return 404;
  const last = decoded.slice(decoded.lastIndexOf('/') + 1);
  return { rel, slash: rawPath.endsWith('/') || last === '.' || last === '..' };
}

/** True when a segment of the normalised path starts with "." (outside /.well-known). */
export function hasHiddenSegment(rel: string): boolean {
  let i = rel.indexOf('/.');
  while (i !== -1) {
    const wellKnown = i === 0 && rel.startsWith('/.well-known') && (rel.length === 12 || rel.charCodeAt(12) === 0x2f);
    if (!wellKnown) return true;
    i = rel.indexOf('/.', i + 2);
  }
  return false;
}

/** Is `real` (a realpath) the root or below it? `rootPrefix` is root + "/". */
export function isInside(real: string, root: string, rootPrefix: string): boolean {
  return real === root || real.startsWith(rootPrefix);
}

/** Percent-encode a decoded path segment by segment, for Location and links. */
export function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

/**
 * The URL of directory `rel` (a normalised path) with its slash: "/a/b/", and
 * "/" for the root — never "//", which a browser would read as a
 * network-path reference to a host named by what follows.
 */
export function directoryUrl(rel: string): string {
  return rel === '/' ? '/' : encodePath(rel) + '/';
}

/**
 * Does the real path `real` name a dotfile, seen from the root? Inside the
 * root only the part below it counts (the root itself may live in a hidden
 * directory); outside it (a followed symlink) every segment does.
 */
export function isHiddenReal(real: string, root: string, rootPrefix: string): boolean {
  if (real === root) return false;
  return hasHiddenSegment(real.startsWith(rootPrefix) ? real.slice(rootPrefix.length - 1) : real);
}
