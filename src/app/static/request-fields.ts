// The request fields the file path reads, gathered in one pass over the
// header list instead of one search per field.
import type { ConditionalFields } from './conditional.js';

export class RequestFields implements ConditionalFields {
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  ifUnmodifiedSince: string | undefined;
  ifRange: string | undefined;
  range: string | undefined;
  acceptEncoding: string | undefined;
  accept: string | undefined;

  /** Fill from `headers` (names lower-cased by http/); the first of repeated fields wins. */
  read(headers: readonly string[]): this {
    this.ifMatch = this.ifNoneMatch = this.ifModifiedSince = this.ifUnmodifiedSince = undefined;
    this.ifRange = this.range = this.acceptEncoding = this.accept = undefined;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const value = headers[i + 1]!;
      switch (headers[i]) {
        case 'if-match':
          this.ifMatch ??= value;
          break;
        case 'if-none-match':
          this.ifNoneMatch ??= value;
          break;
        case 'if-modified-since':
          this.ifModifiedSince ??= value;
          break;
        case 'if-unmodified-since':
          this.ifUnmodifiedSince ??= value;
          break;
        case 'if-range':
          this.ifRange ??= value;
          break;
        case 'range':
          this.range ??= value;
          break;
        case 'accept-encoding':
          this.acceptEncoding ??= value;
          break;
        case 'accept':
          this.accept ??= value;
          break;
      }
    }
    return this;
  }
}
