/** Scoring used by the two public extraction benchmarks, re-implemented from their descriptions. */

/** Article-extraction-benchmark per-document result: normalised TP/FP/FN over word 4-gram shingles. */
export interface ShingleScore {
  tp: number;
  fp: number;
  fn: number;
}

const WORD = /[\p{L}\p{N}\p{M}_]+/gu;

function shingles(text: string): Map<string, number> {
  const words = text.match(WORD) ?? [];
  const out = new Map<string, number>();
  // The benchmark uses 4-gram shingles; texts shorter than 4 words give one shingle of all words.
  const n = 4;
  if (words.length < n) {
    if (words.length > 0) out.set(words.join(' '), 1);
    return out;
  }
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join(' ');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** TP/FP/FN of one predicted text against the truth, normalised to sum 1 (as evaluate.py does). */
export function shingleScore(truth: string, pred: string): ShingleScore {
  const t = shingles(truth);
  const p = shingles(pred);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [k, c] of t) {
    const pc = p.get(k) ?? 0;
    tp += Math.min(c, pc);
    fn += Math.max(0, c - pc);
  }
  for (const [k, c] of p) fp += Math.max(0, c - (t.get(k) ?? 0));
  const all = tp + fp + fn;
  return all === 0 ? { tp: 0, fp: 0, fn: 0 } : { tp: tp / all, fp: fp / all, fn: fn / all };
}

/** Precision, recall and F1 of the averages over documents, as the benchmark reports. */
export function articleBenchmarkF1(scores: ShingleScore[]): { precision: number; recall: number; f1: number } {
  let ps = 0;
  let rs = 0;
  for (const s of scores) {
    const p = s.fp === 0 && s.fn === 0 ? 1 : s.tp === 0 && s.fp === 0 ? 0 : s.tp / (s.tp + s.fp);
    const r = s.fp === 0 && s.fn === 0 ? 1 : s.tp === 0 && s.fn === 0 ? 0 : s.tp / (s.tp + s.fn);
    ps += p;
    rs += r;
  }
  const precision = ps / scores.length;
  const recall = rs / scores.length;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall || 1) };
}

/** Trafilatura evaluation counts for one page: `with` segments found (TP) or not (FN), `without` found (FP) or not (TN). */
export interface SegmentCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Counts one page under trafilatura's substring metric. */
export function segmentCounts(text: string, withSegs: string[], withoutSegs: string[]): SegmentCounts {
  const t = normalise(text);
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const s of withSegs) if (t.includes(normalise(s))) c.tp++; else c.fn++;
  for (const s of withoutSegs) if (t.includes(normalise(s))) c.fp++; else c.tn++;
  return c;
}

/** Precision, recall, accuracy and F of summed segment counts. */
export function segmentF1(all: SegmentCounts[]): { precision: number; recall: number; accuracy: number; f1: number } {
  const s = all.reduce((a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, tn: a.tn + c.tn, fn: a.fn + c.fn }), { tp: 0, fp: 0, tn: 0, fn: 0 });
  return {
    precision: s.tp / (s.tp + s.fp || 1),
    recall: s.tp / (s.tp + s.fn || 1),
    accuracy: (s.tp + s.tn) / (s.tp + s.tn + s.fp + s.fn || 1),
    f1: (2 * s.tp) / (2 * s.tp + s.fp + s.fn || 1),
  };
}
