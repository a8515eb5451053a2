// What a static app can be asked to do; the defaults are in the comments.
export interface StaticOptions {
  /** Absolute path, already checked to exist. */
  root: string;
  /** Default false. */
  dirListing?: boolean;
  /** Value for Cache-Control on 200/206/304 file responses. */
  cacheControl?: string;
  /**
   * Default false: Access-Control-Allow-Origin: * on every response, and
   * preflight requests answered (see ../cors.ts). Applied by createStaticApp's
   * handle(), or by the composition (compose.ts) around files and handler.
   */
  cors?: boolean;
  /** Unknown non-file paths → index.html with 200. */
  spa?: boolean;
  /** Default true: a 404.html in the root is the body of 404 responses (the status stays 404). */
  notFoundPage?: boolean;
  /** Default true: "/about" serves about.html when no file or directory "about" exists. */
  cleanUrls?: boolean;
  /** Default true. */
  compress?: boolean;
  /** Default false: a symlink whose target is outside root → 404. */
  followSymlinks?: boolean;
  /** Default false: any path segment starting with "." → 404 (except /.well-known/). */
  dotfiles?: boolean;
  /**
   * Default 0: every request asks the file system whether the file changed
   * (one stat, about a microsecond), so an edit is seen by the next request.
   * N > 0: trust what is known about a file for N ms without asking — a
   * little faster, but an edit, a truncation or a deletion goes unseen for
   * up to N ms (nginx's open_file_cache_valid). For files that do not change
   * while the server runs.
   */
  cacheMetadataMs?: number;
  /** Files up to this many bytes are answered from memory (one send for head and body); 0: always sendfile. Default 16 KiB. */
  memoryMaxBytes?: number;
}
