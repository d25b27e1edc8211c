/**
 * Extraction quality on the two shared corpora: `node dist/bench/extraction/quality.js [--pages]`.
 * Prints F1 (scrapinghub metric, trafilatura metric) for kiln and the stored reference outputs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHtml, extractMainText } from '../../crawl/extract/index.js';
import { loadScrapinghub, loadScrapinghubReference, loadTrafilatura, sharedDataDir } from './corpus.js';
import { articleBenchmarkF1, segmentCounts, segmentF1, shingleScore } from './metrics.js';

/** Scores of kiln's extractor on both corpora. */
export interface QualityResult {
  scrapinghub?: { precision: number; recall: number; f1: number; pages: number };
  trafilatura?: { precision: number; recall: number; accuracy: number; f1: number; pages: number };
  references: Record<string, number>;
}

/** Runs the extractor over both corpora and scores it; `perPage` gets one line per page. */
export function measureQuality(dataDir: string, perPage?: (line: string) => void): QualityResult {
  const res: QualityResult = { references: {} };
  const sh = loadScrapinghub(dataDir);
  if (sh) {
    const scores = sh.map((p) => {
      const s = shingleScore(p.truth, extractMainText(decodeHtml(p.html), { url: p.url }).text);
      if (perPage) {
        const prec = s.tp / (s.tp + s.fp || 1);
        const rec = s.tp / (s.tp + s.fn || 1);
        perPage(`sh ${p.id.slice(0, 10)} P=${prec.toFixed(2)} R=${rec.toFixed(2)} ${p.url}`);
      }
      return s;
    });
    res.scrapinghub = { ...articleBenchmarkF1(scores), pages: sh.length };
    for (const sys of ['trafilatura', 'readability_js']) {
      const ref = loadScrapinghubReference(dataDir, sys);
      res.references[`scrapinghub/${sys}`] = articleBenchmarkF1(sh.map((p) => shingleScore(p.truth, ref[p.id] ?? ''))).f1;
    }
  }
  const tr = loadTrafilatura(dataDir);
  if (tr) {
    const counts = tr.map((p) => {
      let text = '';
      try {
        text = extractMainText(decodeHtml(p.html), { url: p.url }).text;
      } catch {
        text = ''; // trafilatura's metric scores a crash as empty output
      }
      const c = segmentCounts(text, p.with, p.without);
      if (perPage && (c.fp || c.fn)) perPage(`tr ${p.key} tp=${c.tp} fn=${c.fn} fp=${c.fp}`);
      return c;
    });
    res.trafilatura = { ...segmentF1(counts), pages: tr.length };
  }
  return res;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const r = measureQuality(sharedDataDir(root), process.argv.includes('--pages') ? (l) => console.log(l) : undefined);
  console.log(JSON.stringify(r, null, 2));
}
