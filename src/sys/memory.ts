// Where a JS buffer lives in memory, so C can read or write it in place.
//
// The bytes of an ArrayBuffer sit outside the garbage-collected heap and never
// move while the ArrayBuffer is alive, so an address can be looked up once
// (koffi.address: ~150 ns and a BigInt) and remembered in a WeakMap, which
// forgets it when the buffer is collected. A caller holding a view holds its
// ArrayBuffer, so a remembered address is valid for as long as it can be used.
//
// Three levels, because buffers come in different kinds:
//  - buffers that own their whole ArrayBuffer (a connection's receive buffer,
//    a file read into memory): remembered per view — the fastest lookup (~20 ns);
//  - slices (the small Buffers Node carves from its shared 8 KiB pool, e.g.
//    Buffer.from('a string'), and subarrays): remembered per ArrayBuffer, plus
//    the view's byteOffset. Not per view: a WeakMap insert costs ~400 ns, too
//    much for a temporary that is sent once;
//  - and the last slice seen, so a pre-encoded slice sent again and again
//    (a fixed response) skips even that.
//
// Two rules for callers, both about memory safety:
//  - Check bounds before passing `address + offset` on: C will not. (A detached
//    ArrayBuffer reports length 0, so no bounds check passes for it.)
//  - Keep the buffer referenced until the C call returns ("pin" it in a
//    module-level variable). A number is not a reference: once a buffer has
//    become an address, nothing tells the garbage collector it is still in
//    use, and if the caller held the last reference in a temporary, its memory
//    could be freed while the kernel is writing into it.

import { rawAddress } from './ffi.js';

const owners = new WeakMap<ArrayBufferView, number>();
const bases = new WeakMap<ArrayBufferLike, number>();

/** Address of `view[0]`, as a number. */
export function addressOf(view: ArrayBufferView): number {
  if (view === lastSlice) return lastSliceAddress;
  const address = owners.get(view);
  return address !== undefined ? address : addressOfSlice(view);
}

let lastSlice: ArrayBufferView | null = null;
let lastSliceAddress = 0;

function addressOfSlice(view: ArrayBufferView): number {
  const buffer = view.buffer; // (for a tiny on-heap typed array this moves it off-heap, once)
  let base = bases.get(buffer);
  if (base === undefined) {
    base = rawAddress(view) - view.byteOffset;
    bases.set(buffer, base);
  }
  const offset = view.byteOffset;
  if (offset === 0 && view.byteLength === buffer.byteLength) {
    owners.set(view, base);
  } else {
    lastSlice = view;
    lastSliceAddress = base + offset;
  }
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

const TWO_32 = 2 ** 32;

/**
 * Write a 64-bit value (an address, a size_t, an off_t: any safe integer ≥ 0)
 * as two little-endian 32-bit halves at words[index], words[index + 1]: no BigInt needed.
 */
export function store64(words: Uint32Array, index: number, value: number): void {
  words[index] = value >>> 0;
  words[index + 1] = (value / TWO_32) >>> 0;
}

/** Read back what store64 wrote (or the kernel did). */
export function load64(words: Uint32Array, index: number): number {
  return words[index] + words[index + 1] * TWO_32;
}
