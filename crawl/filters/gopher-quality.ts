/** Gopher quality rules (as in datatrove's GopherQualityFilter). */
import { z } from 'zod';
import { splitWords } from './words.js';

/** Thresholds; defaults are FineWeb's. */
export const gopherQualityConfig = z.object({
  enabled: z.boolean().default(true),
  minDocWords: z.number().default(50),
  maxDocWords: z.number().default(100_000),
  minAvgWordLength: z.number().default(3),
  maxAvgWordLength: z.number().default(10),
  maxSymbolWordRatio: z.number().default(0.1),
  maxBulletLinesRatio: z.number().default(0.9),
  maxEllipsisLinesRatio: z.number().default(0.3),
  maxNonAlphaWordsRatio: z.number().default(0.8),
  minStopWords: z.number().default(2),
  stopWords: z.array(z.string()).default(['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with']),
});
export type GopherQualityConfig = z.infer<typeof gopherQualityConfig>;

const SYMBOL_ONLY = /^[^\p{L}\p{N}\p{M}_]+$/u;
const HAS_ALPHA = /\p{L}/u;

/** Drop reason for a text failing a Gopher quality rule, or undefined to keep it. */
export function gopherQuality(text: string, cfg: GopherQualityConfig = gopherQualityConfig.parse({})): string | undefined {
  const words = splitWords(text);
  const n = words.length || 1;
  const nonSymbol = words.filter((w) => !SYMBOL_ONLY.test(w));
  if (nonSymbol.length < cfg.minDocWords) return 'gopher_short_doc';
  if (nonSymbol.length > cfg.maxDocWords) return 'gopher_long_doc';
  const avg = nonSymbol.reduce((s, w) => s + w.length, 0) / (nonSymbol.length || 1);
  if (avg < cfg.minAvgWordLength) return 'gopher_below_avg_threshold';
  if (avg > cfg.maxAvgWordLength) return 'gopher_above_avg_threshold';
  if (count(text, '#') / n > cfg.maxSymbolWordRatio) return 'gopher_too_many_hashes';
  if ((count(text, '...') + count(text, '…')) / n > cfg.maxSymbolWordRatio) return 'gopher_too_many_ellipsis';
  const lines = text.split(/\r?\n/);
  const bullets = lines.filter((l) => /^\s*[•\-]/.test(l)).length;
  if (bullets / lines.length > cfg.maxBulletLinesRatio) return 'gopher_too_many_bullets';
  const ell = lines.filter((l) => /(\.\.\.|…)\s*$/.test(l)).length;
  if (ell / lines.length > cfg.maxEllipsisLinesRatio) return 'gopher_too_many_end_ellipsis';
  if (words.filter((w) => HAS_ALPHA.test(w)).length / n < cfg.maxNonAlphaWordsRatio) return 'gopher_below_alpha_threshold';
  const stop = new Set(cfg.stopWords);
  let stops = 0;
  for (const w of words) if (stop.has(w) && ++stops >= cfg.minStopWords) break;
  if (stops < cfg.minStopWords) return 'gopher_enough_stop_words';
  return undefined;
}

function count(text: string, sub: string): number {
  let c = 0;
  for (let i = text.indexOf(sub); i >= 0; i = text.indexOf(sub, i + sub.length)) c++;
  return c;
}
