/**
 * Extraction quality on the two shared corpora, on one half of each (bench/extraction/split.ts):
 * `node dist/bench/extraction/quality.js [--half held-out|tuning|all] [--no-peers] [--pages]`.
 * Reports kiln, Readability.js run side by side on the same pages, and (scrapinghub only) the
 * benchmark's stored outputs of trafilatura and Readability.js. Default half: held-out.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHtml, extractMainText } from '../../crawl/extract/index.js';
import { loadScrapinghub, loadScrapinghubReference, loadTrafilatura } from './corpus.js';
import { articleBenchmarkF1, segmentCounts, segmentF1, shingleScore } from './metrics.js';
import { readabilityText } from './readability-peer.js';
import { inHalf, type CorpusHalf } from './split.js';
import { benchData } from '../../test/core/project-paths.js';

/** Precision, recall and F1 of one system on one corpus (accuracy under trafilatura's metric). */
export interface SystemScore {
  precision: number;
  recall: number;
  f1: number;
  accuracy?: number;
}

/** Scores per system on one corpus half. */
export interface CorpusScores {
  pages: number;
  systems: Record<string, SystemScore>;
}

/** Scores on both corpora for one half. */
export interface QualityResult {
  half: CorpusHalf;
  scrapinghub?: CorpusScores;
  trafilatura?: CorpusScores;
}

/** What to measure: which half, whether to run Readability.js too, and a per-page line sink. */
export interface QualityOptions {
  half: CorpusHalf;
  peers?: boolean;
  perPage?: (line: string) => void;
}

type Extract = (html: string, url?: string) => string;

const kiln: Extract = (html, url) => extractMainText(html, { url }).text;
const readability: Extract = (html) => readabilityText(html);

// Both metrics score a crash as an empty output (trafilatura's eval does so explicitly).
function safely(fn: Extract, html: string, url?: string): string {
  try {
    return fn(html, url);
  } catch {
    return '';
  }
}

/** Runs the extractors over the chosen half of both corpora and scores them. */
export function measureQuality(dataDir: string, opts: QualityOptions): QualityResult {
  const { half, perPage } = opts;
  const systems: [string, Extract][] = [['kiln', kiln]];
  if (opts.peers) systems.push(['readability.js (run)', readability]);
  const res: QualityResult = { half };

  const sh = loadScrapinghub(dataDir)?.filter((p) => inHalf(p.file, half));
  if (sh) {
    const scores: CorpusScores = { pages: sh.length, systems: {} };
    const html = sh.map((p) => decodeHtml(p.html));
    for (const [name, fn] of systems) {
      scores.systems[name] = articleBenchmarkF1(sh.map((p, i) => {
        const s = shingleScore(p.truth, safely(fn, html[i], p.url));
        if (perPage && name === 'kiln') perPage(`sh ${p.id.slice(0, 10)} P=${(s.tp / (s.tp + s.fp || 1)).toFixed(2)} R=${(s.tp / (s.tp + s.fn || 1)).toFixed(2)} ${p.url}`);
        return s;
      }));
    }
    for (const sys of ['trafilatura', 'readability_js']) {
      const ref = loadScrapinghubReference(dataDir, sys);
      scores.systems[`${sys} (stored output)`] = articleBenchmarkF1(sh.map((p) => shingleScore(p.truth, ref[p.id] ?? '')));
    }
    res.scrapinghub = scores;
  }

  const tr = loadTrafilatura(dataDir)?.filter((p) => inHalf(p.file, half));
  if (tr) {
    const scores: CorpusScores = { pages: tr.length, systems: {} };
    const html = tr.map((p) => decodeHtml(p.html));
    for (const [name, fn] of systems) {
      scores.systems[name] = segmentF1(tr.map((p, i) => {
        const c = segmentCounts(safely(fn, html[i], p.url), p.with, p.without);
        if (perPage && name === 'kiln' && (c.fp || c.fn)) perPage(`tr ${p.key} tp=${c.tp} fn=${c.fn} fp=${c.fp}`);
        return c;
      }));
    }
    res.trafilatura = scores;
  }
  return res;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const i = process.argv.indexOf('--half');
  const half = (i > 0 ? process.argv[i + 1] : 'held-out') as CorpusHalf;
  if (!['held-out', 'tuning', 'all'].includes(half)) {
    console.error(`kiln: KILN_USAGE: --half must be held-out, tuning or all, not ${JSON.stringify(half)}`);
    process.exit(2);
  }
  const r = measureQuality(benchData('extraction quality bench'), {
    half,
    peers: !process.argv.includes('--no-peers'),
    perPage: process.argv.includes('--pages') ? (l) => console.log(l) : undefined,
  });
  console.log(JSON.stringify(r, null, 2));
}
