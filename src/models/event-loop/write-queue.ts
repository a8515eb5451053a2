// What a non-blocking connection still has to send, in order: byte pieces
// and file ranges. flush() sends as much as the kernel takes right now —
// adjacent byte pieces in one gather-write (sendmsg), file ranges with
// sendfile — and keeps the rest for when the socket is writable again.
import * as sys from '../../sys/index.js';
import type { FileBody } from '../../http/index.js';

interface FileRange {
  fd: number;
  offset: number;
  length: number;
}

const MAX_GATHER = 16;
/** The pieces of one gather-write: filled and sent within flush(), so every queue can share it. */
const gather: Uint8Array[] = [];

export class WriteQueue {
  /**
   * The queue when it is one byte piece and nothing else — most responses (a
   * head with its body inlined) — kept out of the array: an array that was
   * pushed to keeps its capacity (an idle connection would carry it), and
   * emptying it for good costs an allocation at the next push.
   */
  private lone: Uint8Array | null = null;
  private readonly pieces: (Uint8Array | FileRange)[] = [];
  private offset = 0; // bytes of the first piece (lone, or pieces[0]) already sent
  /** Bytes still queued. */
  bytes = 0;

  get empty(): boolean {
    return this.lone === null && this.pieces.length === 0;
  }

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    if (this.lone === null && this.pieces.length === 0) this.lone = piece;
    else {
      this.spill();
      this.pieces.push(piece);
    }
    this.bytes += piece.length;
  }

  pushFile(f: FileBody): void {
    this.spill();
    this.pieces.push({ fd: f.fd, offset: f.offset, length: f.length });
    this.bytes += f.length;
  }

  /** A second piece comes: the lone one goes first in the array. */
  private spill(): void {
    if (this.lone === null) return;
    this.pieces.push(this.lone);
    this.lone = null;
  }

  /**
   * Send what the kernel takes. True when everything is sent, false when the
   * socket's buffer is full (wait for writability). Throws SysError when the
   * peer is gone, and Error when a file turned out shorter than announced.
   */
  flush(fd: number): boolean {
    const lone = this.lone;
    if (lone !== null) {
      const n = sys.send(fd, lone, this.offset, lone.length - this.offset);
      if (n < 0) return false; // would block (or EINTR): wait for writability
      this.bytes -= n;
      this.offset += n;
      if (this.offset < lone.length) return false; // the kernel took only part: its buffer is full
      this.lone = null;
      this.offset = 0;
      return true;
    }
    const q = this.pieces;
    while (q.length > 0) {
      const first = q[0];
      if (first instanceof Uint8Array) {
        let n: number;
        if (q.length === 1 || !(q[1] instanceof Uint8Array)) {
          // Followed by a file: hold the segment so headers and file data share packets (MSG_MORE).
          n = sys.send(fd, first, this.offset, first.length - this.offset, q.length > 1);
        } else {
          const g = gather;
          g.length = 0;
          for (let i = 0; i < q.length && i < MAX_GATHER && q[i] instanceof Uint8Array; i++) g.push(q[i] as Uint8Array);
          n = sys.sendv(fd, g, g.length, this.offset);
        }
        if (n < 0) return false; // would block (or EINTR): wait for writability
        this.consume(n);
      } else {
        const n = sys.sendfile(fd, first.fd, first.offset, first.length);
        if (n < 0) return false;
        if (n === 0) throw new Error('file shorter than announced');
        first.offset += n;
        first.length -= n;
        this.bytes -= n;
        if (first.length === 0) q.shift();
      }
    }
    return true;
  }

  /**
   * `piece` lies in memory that will be reused (http/'s shared assembly
   * buffer): copy whatever of it is still queued.
   */
  keepCopy(piece: Uint8Array): void {
    if (this.lone === piece) {
      this.lone = Buffer.from(piece.subarray(this.offset));
      this.offset = 0;
      return;
    }
    const q = this.pieces;
    const i = q.indexOf(piece);
    if (i < 0) return; // sent already
    if (i === 0) {
      q[0] = Buffer.from(piece.subarray(this.offset));
      this.offset = 0;
    } else q[i] = Buffer.from(piece);
  }

  clear(): void {
    this.lone = null;
    this.pieces.length = 0;
    this.offset = 0;
    this.bytes = 0;
  }

  /** Drop `n` sent bytes from the front of the byte pieces. */
  private consume(n: number): void {
    const q = this.pieces;
    this.bytes -= n;
    while (n > 0) {
      const first = q[0] as Uint8Array;
      const left = first.length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      this.offset = 0;
      q.shift();
    }
  }
}
