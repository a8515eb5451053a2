// Where a JS buffer lives in memory, so C can read or write it in place.
//
// The bytes of an ArrayBuffer sit outside the garbage-collected heap and never
// move while the ArrayBuffer is alive, so its address can be looked up once
// and remembered. We remember it per ArrayBuffer (not per view): all the small
// Buffers Node carves from its shared 8 KiB pool, and every subarray of a big
// buffer, then hit the same entry. The WeakMap forgets an entry when the
// ArrayBuffer is collected — and a caller holding a view holds its ArrayBuffer.
//
// Safety rests on bounds checks done by the callers (socket.ts): a detached
// ArrayBuffer reports byteLength 0, so no length check passes for it.

import { rawAddress } from './ffi.js';

const bases = new WeakMap<ArrayBufferLike, number>();

/** Address of `view[0]`, as a number. */
export function addressOf(view: ArrayBufferView): number {
  const buffer = view.buffer; // (for a tiny on-heap typed array this moves it off-heap, once)
  let base = bases.get(buffer);
  if (base === undefined) {
    base = rawAddress(view) - view.byteOffset;
    bases.set(buffer, base);
  }
  return base + view.byteOffset;
}

/**
 * A zeroed scratch area for C structs, allocated once at module load and reused
 * by every call: `bytes` for byte access, `bytes.buffer` (offset 0, 8-aligned)
 * for Int32Array/Uint32Array views, `address` to hand to C.
 */
export function scratch(size: number): { bytes: Buffer; address: number } {
  // Its own ArrayBuffer, never a slice of Node's shared pool.
  const bytes = Buffer.from(new ArrayBuffer(size));
  return { bytes, address: addressOf(bytes) };
}
