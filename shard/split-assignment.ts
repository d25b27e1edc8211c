import { hashInts32, hashString32, unitHash } from '../core/seeded-random.js';
import type { SplitName } from '../core/shard-index.js';

// Salts keep the split, mixture and bucket decisions independent of each other for one seed.
const SPLIT_SALT = 0x51a7;
const MIX_SALT = 0x3c1d;
const BUCKET_SALT = 0x6b43;

/** The split of a document: by a seeded hash of its id, so every copy of it lands in the same one. */
export function splitOf(id: string, seed: number, valFraction: number): SplitName {
  if (valFraction <= 0) return 'train';
  return unitHash(id, hashInts32([seed, SPLIT_SALT])) < valFraction ? 'val' : 'train';
}

/** How many copies of a document a mixture weight asks for: floor(w), plus one with probability frac(w). */
export function copiesOf(id: string, seed: number, input: number, weight: number): number {
  const whole = Math.floor(weight);
  const frac = weight - whole;
  if (frac === 0) return whole;
  return whole + (unitHash(id, hashInts32([seed, MIX_SALT, input])) < frac ? 1 : 0);
}

/** The scatter bucket of copy `copy` of a document. */
export function bucketOf(id: string, seed: number, input: number, copy: number, buckets: number): number {
  return hashString32(id, hashInts32([seed, BUCKET_SALT, input, copy])) % buckets;
}
