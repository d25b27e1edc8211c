// Stable LSD radix sort of 64-bit keys (as hi/lo u32 arrays) with a u32 payload: four 16-bit
// passes, O(n) and ~30x faster than Array.prototype.sort with a comparator on typed arrays.
// Stability matters: records are appended in input order, so equal keys stay in input order
// and the earliest document of every band group comes first without a secondary key.

/** Sorts (hi, lo, id) triples of the first n entries in place by (hi, lo), stably. */
export function radixSort64(hi: Uint32Array, lo: Uint32Array, id: Uint32Array, n: number): void {
  if (n < 2) return;
  let srcHi: Uint32Array = hi, srcLo: Uint32Array = lo, srcId: Uint32Array = id;
  let dstHi: Uint32Array = new Uint32Array(n), dstLo: Uint32Array = new Uint32Array(n), dstId: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const useHi = pass >= 2;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    const keys = useHi ? srcHi : srcLo;
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const pos = counts[(keys[i] >>> shift) & 0xffff]++;
      dstHi[pos] = srcHi[i];
      dstLo[pos] = srcLo[i];
      dstId[pos] = srcId[i];
    }
    [srcHi, dstHi] = [dstHi, srcHi];
    [srcLo, dstLo] = [dstLo, srcLo];
    [srcId, dstId] = [dstId, srcId];
  }
  // Four passes: the sorted data is back in the caller's arrays.
}
