// Where a JS buffer lives in memory, so C can read or write it in place.
//
// The bytes of an ArrayBuffer sit outside the garbage-collected heap and never
// move while the ArrayBuffer is alive, so an address can be looked up once
// (koffi.address: ~150 ns and a BigInt) and remembered in a WeakMap, which
// forgets it when the buffer is collected. A caller holding a view holds its
// ArrayBuffer, so a remembered address is valid for as long as it can be used.
//
// Two levels, because buffers come in two kinds:
//  - long-lived buffers that own their memory (a connection's receive buffer,
//    pre-encoded headers): remembered per view — the fastest lookup (~20 ns);
//  - slices (the small Buffers Node carves from its shared 8 KiB pool,
//    subarrays of a big buffer): remembered per ArrayBuffer plus byteOffset, so
//    a fresh slice of a known ArrayBuffer costs no FFI call and adds no entry.
//
// Safety rests on bounds checks done by the callers (socket.ts): a detached
// ArrayBuffer reports byteLength 0, so no length check passes for it.

import { rawAddress } from './ffi.js';

const owners = new WeakMap<ArrayBufferView, number>();
const bases = new WeakMap<ArrayBufferLike, number>();

/** Address of `view[0]`, as a number. */
export function addressOf(view: ArrayBufferView): number {
  const address = owners.get(view);
  return address !== undefined ? address : addressOfSlice(view);
}

function addressOfSlice(view: ArrayBufferView): number {
  const buffer = view.buffer; // (for a tiny on-heap typed array this moves it off-heap, once)
  let base = bases.get(buffer);
  if (base === undefined) {
    base = rawAddress(view) - view.byteOffset;
    bases.set(buffer, base);
  }
  const offset = view.byteOffset;
  if (offset === 0 && view.byteLength === buffer.byteLength) owners.set(view, base);
  return base + offset;
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
