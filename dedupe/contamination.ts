// Finding evaluation text in a document: every word n-gram of the document is looked up in the
// eval n-gram set (GPT-3's test: any shared 13-gram), and every document line shorter than n
// words whose length matches a held short item is looked up whole (dolma's line; eval-sets.ts).
import type { EvalIndex } from './eval-sets.js';
import { WordScanner, ngramKey } from './word-scanner.js';

/** One match: the eval item and the UTF-16 span of the document it covers. */
export interface ContaminationHit {
  item: number;
  start: number;
  end: number;
}

/** Looks documents up against one EvalIndex; reuses its buffers, so one instance per thread. */
export class ContaminationFinder {
  private readonly scanner = new WordScanner(true);
  private readonly key = new Uint32Array(2);

  constructor(private readonly index: EvalIndex, private readonly n: number) {}

  /** The matches in `text`: the first only (`all` false, enough to drop), else every one in text order. */
  find(text: string, all: boolean): ContaminationHit[] {
    const sc = this.scanner;
    const words = sc.scan(text);
    const { ngrams, shortLengths } = this.index;
    const key = this.key;
    const n = this.n;
    const hits: ContaminationHit[] = [];
    for (let s = 0; s + n <= words; s++) {
      ngramKey(sc, s, n, key);
      const item = ngrams.get(key[0], key[1]);
      if (item < 0) continue;
      hits.push({ item, start: sc.starts[s], end: sc.ends[s + n - 1] });
      if (!all) return hits;
    }
    if (shortLengths.size === 0 || words === 0) return hits;
    // Lines: a word after a newline starts one. Checked after the n-grams (a drop needs one hit).
    let lineStart = 0;
    let nl = text.indexOf('\n');
    for (let i = 0; i <= words; i++) {
      if (i < words && (nl === -1 || nl >= sc.starts[i])) continue;
      const k = i - lineStart;
      if (shortLengths.has(k)) {
        ngramKey(sc, lineStart, k, key);
        const item = ngrams.get(key[0], key[1]);
        if (item >= 0) {
          hits.push({ item, start: sc.starts[lineStart], end: sc.ends[i - 1] });
          if (!all) return hits;
        }
      }
      lineStart = i;
      if (i < words) nl = text.indexOf('\n', sc.starts[i]);
    }
    if (all) hits.sort((a, b) => a.start - b.start);
    return hits;
  }
}

/** `text` with every hit's span (overlapping ones merged) replaced by `mask`; hits sorted by start. */
export function maskSpans(text: string, hits: readonly ContaminationHit[], mask: string): string {
  let out = '';
  let at = 0;
  let i = 0;
  while (i < hits.length) {
    const start = hits[i].start;
    let end = hits[i].end;
    while (i + 1 < hits.length && hits[i + 1].start <= end) end = Math.max(end, hits[++i].end);
    out += text.slice(at, start) + mask;
    at = end;
    i++;
  }
  return out + text.slice(at);
}
