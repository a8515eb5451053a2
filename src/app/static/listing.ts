// Directory listing: a plain HTML page of links. Names are attacker-chosen
// text (anyone who can upload a file names it), so every name is
// percent-encoded in the href and HTML-escaped in the text.
import fs from 'node:fs';
import path from 'node:path';
import { isHiddenReal, isInside } from './resolve.js';

export interface ListingOptions {
  readonly root: string;
  readonly rootPrefix: string;
  readonly dotfiles: boolean;
  readonly followSymlinks: boolean;
}

interface Item {
  readonly name: string;
  readonly dir: boolean;
  readonly size: number;
  readonly mtime: Date;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * The listing of directory `dir` (a real path) shown as `rel` ("/" or
 * "/a/b"). Throws the fs error when the directory cannot be read.
 */
export function renderListing(dir: string, rel: string, opts: ListingOptions): string {
  const items: Item[] = [];
  for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
    const name = dirent.name;
    if (!opts.dotfiles && name.startsWith('.') && !(rel === '/' && name === '.well-known')) continue;
    const full = path.join(dir, name);
    // A symlink is listed only if following it would be served: it stays
    // in the root (unless followSymlinks) and leads to no dotfile.
    if (dirent.isSymbolicLink() && !(opts.followSymlinks && opts.dotfiles)) {
      let real: string;
      try {
        real = fs.realpathSync.native(full);
      } catch {
        continue; // dangling
      }
      if (!opts.followSymlinks && !isInside(real, opts.root, opts.rootPrefix)) continue;
      if (!opts.dotfiles && isHiddenReal(real, opts.root, opts.rootPrefix)) continue;
    }
    const st = fs.statSync(full, { throwIfNoEntry: false });
    if (st === undefined || !(st.isFile() || st.isDirectory())) continue;
    items.push({ name, dir: st.isDirectory(), size: st.size, mtime: st.mtime });
  }
  // Directories first, then by name (code-unit order: stable across locales).
  items.sort((a, b) => (a.dir !== b.dir ? (a.dir ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const shown = rel === '/' ? '/' : rel + '/';
  const title = `Index of ${escapeHtml(shown)}`;
  const rows: string[] = [];
  if (rel !== '/') rows.push('<tr><td><a href="../">../</a></td><td></td><td></td></tr>');
  for (const it of items) {
    const href = encodeURIComponent(it.name) + (it.dir ? '/' : '');
    const text = escapeHtml(it.name) + (it.dir ? '/' : '');
    const size = it.dir ? '-' : String(it.size);
    rows.push(`<tr><td><a href="${href}">${text}</a></td><td>${size}</td><td>${it.mtime.toISOString()}</td></tr>`);
  }
  return (
    '<!doctype html>\n<html><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width">' +
    `<title>${title}</title>` +
    '<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:.1em 1.5em .1em 0}</style>' +
    `</head><body><h1>${title}</h1>\n<table>\n${rows.join('\n')}\n</table></body></html>\n`
  );
}
