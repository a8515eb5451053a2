// What a static app can be asked to do; the defaults are in the comments.
export interface StaticOptions {
  /** Absolute path, already checked to exist. */
  root: string;
  /** Default false. */
  dirListing?: boolean;
  /** Value for Cache-Control on 200/206/304 file responses. */
  cacheControl?: string;
  /** Access-Control-Allow-Origin: * (+ preflight answers on OPTIONS). */
  cors?: boolean;
  /** Unknown non-file paths → index.html with 200. */
  spa?: boolean;
  /** Default true. */
  compress?: boolean;
  /** Default false: a symlink whose target is outside root → 404. */
  followSymlinks?: boolean;
  /** Default false: any path segment starting with "." → 404 (except /.well-known/). */
  dotfiles?: boolean;
  /** Default 1000. */
  metadataTtlMs?: number;
  /** Files up to this many bytes are answered from memory (one send for head and body); 0: always sendfile. Default 16 KiB. */
  memoryMaxBytes?: number;
}
