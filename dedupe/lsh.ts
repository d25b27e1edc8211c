// Locality-sensitive hashing over MinHash signatures: the signature is cut into `bands` bands of
// `rows` minima, and each band is hashed to a 64-bit key. Two documents with Jaccard J share at
// least one band key with probability 1 - (1 - J^rows)^bands (14 x 8: 0.50 at J 0.72, 0.97 at
// J 0.85, 0.9996 at J 0.95), so only candidates found this way are verified.
import { fmix32 } from './minhash.js';

/** Band layout of an LSH index. */
export interface LshParams {
  bands: number;
  rows: number;
}

/**
 * Writes the 64-bit key of every band of `signature` into `out` as (hi, lo) pairs:
 * out[2b] = high 32 bits, out[2b+1] = low 32 bits of band b's key.
 */
export function bandKeys(signature: Uint32Array, params: LshParams, out: Uint32Array): void {
  for (let b = 0; b < params.bands; b++) bandKey(signature, b, params.rows, out, 2 * b);
}

/** Writes band `b`'s 64-bit key (a bucket task computes only the bands of its range) at out[at], out[at + 1]. */
export function bandKey(signature: Uint32Array, b: number, rows: number, out: Uint32Array, at: number): void {
  let hi = Math.imul(b + 1, 0x9e3779b1) ^ 0x243f6a88;
  let lo = Math.imul(b + 1, 0x85ebca77) ^ 0x13198a2e;
  const base = b * rows;
  for (let r = 0; r < rows; r++) {
    const v = signature[base + r];
    hi = Math.imul(hi ^ v, 0xcc9e2d51);
    hi = (hi << 15) | (hi >>> 17);
    lo = Math.imul(lo ^ v, 0x1b873593);
    lo = (lo << 13) | (lo >>> 19);
  }
  out[at] = fmix32(hi ^ lo);
  out[at + 1] = fmix32(lo + Math.imul(hi, 0x27d4eb2f));
}

/** Probability that a pair with Jaccard `j` shares at least one band (the LSH S-curve). */
export function candidateProbability(j: number, params: LshParams): number {
  return 1 - Math.pow(1 - Math.pow(j, params.rows), params.bands);
}
