/** FineWeb's own quality rules (datatrove's FineWebQualityFilter). */
import { z } from 'zod';
import { findDuplicates, splitWords } from './words.js';

/** Thresholds; defaults are FineWeb's. */
export const finewebQualityConfig = z.object({
  enabled: z.boolean().default(true),
  linePunctThr: z.number().default(0.12),
  linePunctExcludeZero: z.boolean().default(false),
  shortLineThr: z.number().default(0.67),
  shortLineLength: z.number().default(30),
  charDuplicatesRatio: z.number().default(0.01),
  newLineRatio: z.number().default(0.3),
});
export type FinewebQualityConfig = z.infer<typeof finewebQualityConfig>;

// Terminal punctuation across scripts (datatrove uses a long list; these cover the common ones).
const TERMINAL = /[.!?"'。！？…»”’)]$/u;

/** Drop reason for a text failing a FineWeb rule, or undefined to keep it. */
export function finewebQuality(text: string, cfg: FinewebQualityConfig = finewebQualityConfig.parse({})): string | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return 'empty';
  const punct = lines.filter((l) => TERMINAL.test(l.trimEnd())).length / lines.length;
  if (punct < cfg.linePunctThr && !(punct === 0 && cfg.linePunctExcludeZero)) return 'line_punct_ratio';
  if (lines.filter((l) => l.length <= cfg.shortLineLength).length / lines.length >= cfg.shortLineThr) return 'short_line_ratio';
  const chars = text.replace(/\n/g, '').length || 1;
  if (findDuplicates(lines).chars / chars >= cfg.charDuplicatesRatio) return 'char_dup_ratio';
  const words = splitWords(text).length || 1;
  if ((text.match(/\n/g)?.length ?? 0) / words > cfg.newLineRatio) return 'list_ratio';
  return undefined;
}
