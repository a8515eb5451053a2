// Small files answered from memory: the head and the bytes go out in one
// send(), where a sendfile would cost a second syscall for a few KiB (the
// "one writev" of the performance budget). Larger files always use sendfile.
//
// The bytes hang off the file's metadata, so whatever makes the metadata
// stale (the file changed) drops them too. All apps of a process share one
// budget, given back when the metadata is garbage-collected.
import fs from 'node:fs';
import type { FileEntry } from './file-meta.js';

export const SMALL_FILE_MAX_DEFAULT = 16 * 1024;
const SMALL_FILES_BUDGET = 32 * 1024 * 1024;
let smallFilesHeld = 0;
const forgetBytes = new FinalizationRegistry<number>((n) => (smallFilesHeld -= n));

/**
 * The bytes of a small file, read on first use. Null when the budget is
 * spent or the file changed under us (its size is no longer the one stat
 * said): the caller then sends the file, which tells the truth.
 *
 * readFileSync blocks the thread for the read. It runs once per change of a
 * small file, from the page cache nearly always; an event loop that waited
 * for it instead would need a thread pool to read with, which is what
 * libuv's fs does for Node's own fs.promises.
 */
export function smallFileBytes(entry: FileEntry): Buffer | null {
  const meta = entry.data!;
  if (meta.bytes !== null) return meta.bytes;
  if (smallFilesHeld + entry.size > SMALL_FILES_BUDGET) return null;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(entry.real);
  } catch {
    return null;
  }
  if (bytes.length !== entry.size) return null;
  meta.bytes = bytes;
  smallFilesHeld += bytes.length;
  forgetBytes.register(meta, bytes.length);
  return bytes;
}
