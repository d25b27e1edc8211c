// The quantity MinHash estimates, computed exactly: used to measure the estimator (tests, the
// judged-pairs bench), never on the hot path (it builds every n-gram as a string).

/** Lower-cased Unicode words (letters, digits, marks) of a text. */
export function referenceWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

/** Exact Jaccard similarity of two texts' word n-gram sets (texts shorter than n form one n-gram). */
export function exactJaccard(a: string, b: string, n = 5): number {
  const shingles = (t: string): Set<string> => {
    const w = referenceWords(t);
    const s = new Set<string>();
    if (w.length < n) s.add(w.join(' '));
    else for (let i = 0; i + n <= w.length; i++) s.add(w.slice(i, i + n).join(' '));
    return s;
  };
  const A = shingles(a);
  const B = shingles(b);
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  const union = A.size + B.size - inter;
  return union === 0 ? 1 : inter / union;
}
