// xxhash-wasm h64Raw: 3.8 GB/s here (deps.md §4), so hashing costs nothing next to the folding
// before it. It hashes the folded UTF-16 code units directly (no UTF-8 encode: the hash only has
// to identify the folded text). 64 bits: a false match needs ~4e9 documents for a 50% chance.
import xxhash from 'xxhash-wasm';
import { foldForExact } from './normalize.js';

const hasher = await xxhash();
let scratch: Uint16Array = new Uint16Array(1 << 15);

/** 64-bit hash of the exact-dedupe folding of `text`, written as (hi, lo) into out[at], out[at+1]. */
export function exactHash(text: string, out: Uint32Array, at = 0): void {
  const folded = foldForExact(text, scratch);
  scratch = folded.buf;
  const h = hasher.h64Raw(new Uint8Array(scratch.buffer, 0, folded.length * 2));
  out[at] = Number(h >> 32n);
  out[at + 1] = Number(h & 0xffffffffn);
}
