/**
 * Pages/s of kiln's extractor vs @mozilla/readability on linkedom, same decoded pages, one
 * core, rounds alternating who goes first; medians and the ratio. `node dist/bench/extraction/speed.js [rounds]`
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHtml, extractMainText } from '../../crawl/extract/index.js';
import { loadScrapinghub, loadTrafilatura } from './corpus.js';
import { readabilityText } from './readability-peer.js';
import { median } from '../median.js';
import { printResult } from '../result-line.js';
import { benchData } from '../../test/core/project-paths.js';


function timeIt(pages: string[], fn: (html: string) => unknown): number {
  const t0 = process.hrtime.bigint();
  for (const p of pages) fn(p);
  return pages.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const kiln = (html: string): string => extractMainText(html).text;
const readability = readabilityText;

/** Runs both extractors `rounds` times over the same pages and returns medians and the ratio. */
export function measureSpeed(dataDir: string, rounds = 3): { pages: number; kiln: number; readability: number; ratio: number } {
  const pages = [...(loadScrapinghub(dataDir) ?? []), ...(loadTrafilatura(dataDir) ?? [])].map((p) => decodeHtml(p.html));
  const k: number[] = [];
  const r: number[] = [];
  kiln(pages[0]); // warm-up, so the first round does not pay for JIT alone
  readability(pages[0]);
  // Who goes first alternates per round, so neither always runs on a heap the other left behind.
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      k.push(timeIt(pages, kiln));
      r.push(timeIt(pages, readability));
    } else {
      r.push(timeIt(pages, readability));
      k.push(timeIt(pages, kiln));
    }
  }
  const km = median(k);
  const rm = median(r);
  return { pages: pages.length, kiln: km, readability: rm, ratio: km / rm };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const m = measureSpeed(benchData('extraction speed bench'), Number(process.argv[2] ?? 3));
  console.log(JSON.stringify(m));
  printResult({ bench: 'extraction', what: `main-text extraction, ${m.pages} pages, one thread`, peer: '@mozilla/readability on linkedom', ratio: m.ratio });
}
