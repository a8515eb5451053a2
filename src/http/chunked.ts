// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1):
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//
// Fed any slice of bytes, it consumes what it can and remembers where it was,
// so the result does not depend on how the stream was split.
import { HttpError } from './errors.js';
import { HEX_VALUE, TCHAR, FIELD_VCHAR } from './chars.js';
import type { BodyBuffer } from './body.js';

const enum S {
  Size,
  SizeSpace, // BWS after the size: only ";" may follow
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer, // inside a trailer line (or at the start of one)
  TrailerLf,
  Done,
}

const MAX_LINE = 4096; // chunk-size line incl. extensions, and each trailer line

/**
 * Where in a chunk extension (RFC 9112 §7.1.1) the decoder is:
 *   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 * Extensions are ignored, but must follow the grammar: a parser that is
 * loose here reads a line differently from a strict one in front of it.
 */
const enum X {
  NameStart, // after ";": BWS, then a token
  Name,
  AfterName, // BWS, then "=", ";" or CR
  ValueStart, // after "=": BWS, then a token or a quoted-string
  Token,
  Quoted,
  QuotedEscape, // after a backslash
  AfterValue, // BWS, then ";" or CR
}

export class ChunkedDecoder {
  private state = S.Size;
  private ext = X.NameStart;
  private size = 0;
  private digits = 0;
  private lineLength = 0;
  private remaining = 0;
  private trailerLine = '';
  private trailerBytes = 0;
  /** Decoded body bytes so far. */
  total = 0;
  /**
   * Body bytes as sent, chunk framing included: --max-body bounds these, so
   * a million one-byte chunks cannot cost five times the limit on the wire.
   */
  private wire = 0;

  constructor(
    private readonly maxBody: number,
    private readonly maxTrailerBytes: number,
    /** Where decoded data goes (copied: the input buffer is reused by the caller); null discards it. */
    private readonly sink: BodyBuffer | null,
  ) {}

  get done(): boolean {
    return this.state === S.Done;
  }

  private startExtension(): void {
    this.state = S.Ext;
    this.ext = X.NameStart;
  }

  /** One byte of a chunk extension (see X): checked against the grammar, then dropped. */
  private extension(c: number): void {
    const ws = c === 0x20 || c === 0x09;
    const token = TCHAR[c] === 1;
    switch (this.ext) {
      case X.NameStart:
        if (token) this.ext = X.Name;
        else if (!ws) break;
        return;
      case X.Name:
      case X.Token:
        if (token) return;
        if (ws) this.ext = this.ext === X.Name ? X.AfterName : X.AfterValue;
        else if (c === 0x3d && this.ext === X.Name) this.ext = X.ValueStart;
        else return this.extensionEnd(c);
        return;
      case X.AfterName:
        if (ws) return;
        if (c === 0x3d) this.ext = X.ValueStart;
        else return this.extensionEnd(c);
        return;
      case X.ValueStart:
        if (token) this.ext = X.Token;
        else if (c === 0x22) this.ext = X.Quoted;
        else if (!ws) break;
        return;
      case X.Quoted:
        // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
        if (c === 0x22) this.ext = X.AfterValue;
        else if (c === 0x5c) this.ext = X.QuotedEscape;
        else if (FIELD_VCHAR[c] !== 1) break;
        return;
      case X.QuotedEscape: // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        if (FIELD_VCHAR[c] !== 1) break;
        this.ext = X.Quoted;
        return;
      case X.AfterValue:
        if (ws) return;
        return this.extensionEnd(c);
    }
    throw new HttpError(400, 'invalid chunk extension');
  }

  /** After a complete extension: another one (";") or the end of the line. */
  private extensionEnd(c: number): void {
    if (c === 0x3b) this.ext = X.NameStart;
    else if (c === 0x0d) this.state = S.SizeLf;
    else throw new HttpError(400, 'invalid chunk extension');
  }

  /** Consume bytes from buf[start, end); returns how many were used. Throws HttpError. */
  feed(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end) {
      const c = buf[i];
      if (this.state < S.Trailer && ++this.wire > this.maxBody) throw new HttpError(413, 'request body too large (chunk framing included)');
      switch (this.state) {
        case S.Size: {
          const v = HEX_VALUE[c];
          if (v !== 255) {
            // Leading zeros are allowed by the grammar: bound the value, not the digits.
            if (++this.digits > MAX_LINE) throw new HttpError(400, 'chunk size line too long');
            this.size = this.size * 16 + v;
            if (this.size > this.maxBody) throw new HttpError(413, 'chunk size too large');
            i++;
            continue;
          }
          if (this.digits === 0) throw new HttpError(400, 'invalid chunk size');
          if (c === 0x0d) this.state = S.SizeLf;
          else if (c === 0x3b) this.startExtension();
          else if (c === 0x20 || c === 0x09) this.state = S.SizeSpace;
          else throw new HttpError(400, 'invalid chunk size');
          i++;
          this.lineLength = this.digits + 1;
          continue;
        }
        case S.SizeSpace:
          if (c === 0x3b) this.startExtension();
          else if (c !== 0x20 && c !== 0x09) throw new HttpError(400, 'invalid chunk size line');
          i++;
          if (++this.lineLength > MAX_LINE) throw new HttpError(400, 'chunk size line too long');
          continue;
        case S.Ext:
          this.extension(c);
          i++;
          if (++this.lineLength > MAX_LINE) throw new HttpError(400, 'chunk extension too long');
          continue;
        case S.SizeLf:
          if (c !== 0x0a) throw new HttpError(400, 'chunk size line not ended by CRLF');
          i++;
          if (this.size === 0) {
            this.state = S.Trailer;
            this.trailerLine = '';
          } else {
            if (this.total + this.size > this.maxBody) throw new HttpError(413, 'request body too large');
            this.remaining = this.size;
            this.state = S.Data;
          }
          continue;
        case S.Data: {
          const n = Math.min(this.remaining, end - i);
          this.wire += n - 1; // (its first byte was counted above)
          if (this.wire > this.maxBody) throw new HttpError(413, 'request body too large (chunk framing included)');
          if (this.sink !== null && !this.sink.append(buf, i, i + n)) throw new HttpError(503, 'the server is out of memory for request bodies');
          this.total += n;
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = S.DataCr;
          continue;
        }
        case S.DataCr:
          if (c !== 0x0d) throw new HttpError(400, 'chunk data not followed by CRLF');
          this.state = S.DataLf;
          i++;
          continue;
        case S.DataLf:
          if (c !== 0x0a) throw new HttpError(400, 'chunk data not followed by CRLF');
          this.state = S.Size;
          this.size = 0;
          this.digits = 0;
          i++;
          continue;
        case S.Trailer:
          if (c === 0x0d) this.state = S.TrailerLf;
          else {
            if (this.trailerLine.length >= MAX_LINE) throw new HttpError(431, 'trailer field too long');
            this.trailerLine += String.fromCharCode(c);
          }
          i++;
          if (++this.trailerBytes > this.maxTrailerBytes) throw new HttpError(431, 'trailer section too large');
          continue;
        case S.TrailerLf:
          if (c !== 0x0a) throw new HttpError(400, 'trailer line not ended by CRLF');
          i++;
          if (this.trailerLine === '') {
            this.state = S.Done;
            return i - start;
          }
          checkTrailerField(this.trailerLine);
          this.trailerLine = '';
          this.state = S.Trailer;
          continue;
        case S.Done:
          return i - start;
      }
    }
    return i - start;
  }
}

/** A trailer field has the grammar of a header field; it is checked and then discarded. */
function checkTrailerField(line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new HttpError(400, 'invalid trailer field');
  for (let i = 0; i < colon; i++) if (TCHAR[line.charCodeAt(i)] !== 1) throw new HttpError(400, 'invalid trailer field name');
  for (let i = colon + 1; i < line.length; i++)
    if (FIELD_VCHAR[line.charCodeAt(i)] !== 1) throw new HttpError(400, 'invalid trailer field value');
}
