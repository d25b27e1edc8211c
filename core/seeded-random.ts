// Deterministic randomness shared by the shard writer (global shuffle, splits, mixtures) and the
// loader (epoch order): both must give the same answer on every machine and Node version, so
// nothing here touches Math.random.

/** Murmur3's 32-bit finaliser: a bijection on 32 bits with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeded 32-bit hash of a string (murmur3-style mixing over UTF-16 code units). */
export function hashString32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h ^ text.length);
}

/** Seeded 32-bit hash of a list of integers (seeds derived from seed + epoch + chunk ...). */
export function hashInts32(values: readonly number[]): number {
  let h = 0x9747b28c;
  for (const v of values) {
    let k = Math.imul(v | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // Values above 2^32 (large seeds) still count: fold their high part in too.
    const high = Math.floor(v / 0x100000000);
    if (high !== 0) h ^= fmix32(high);
  }
  return fmix32(h ^ values.length);
}

/** A uniform number in [0, 1) from a string and a seed, with 53 bits from two hash lanes. */
export function unitHash(text: string, seed: number): number {
  const hi = hashString32(text, seed) >>> 11; // 21 bits
  const lo = hashString32(text, seed ^ 0x5bd1e995); // 32 bits
  return (hi * 0x100000000 + lo) / 2 ** 53;
}

/** A seeded generator of uniform numbers in [0, 1) (sfc32: small state, passes PractRand to 2^40+). */
export function seededRandom(seed: number): () => number {
  let a = hashInts32([seed, 1]);
  let b = hashInts32([seed, 2]);
  let c = hashInts32([seed, 3]);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 0x100000000;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Fisher-Yates shuffle in place with a seeded generator; returns the array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(items: T, random: () => number): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** The permutation 0..n-1 shuffled by `seed`. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, seededRandom(seed));
}
