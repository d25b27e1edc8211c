/** Gopher repetition rules (Rae et al. 2021, as in datatrove's GopherRepetitionFilter). */
import { z } from 'zod';
import { findDuplicates, splitWords } from './words.js';

/** Thresholds; defaults are FineWeb's. */
export const gopherRepetitionConfig = z.object({
  enabled: z.boolean().default(true),
  dupLineFrac: z.number().default(0.3),
  dupParaFrac: z.number().default(0.3),
  dupLineCharFrac: z.number().default(0.2),
  dupParaCharFrac: z.number().default(0.2),
  topNGrams: z.array(z.tuple([z.number().int().positive(), z.number()])).default([[2, 0.2], [3, 0.18], [4, 0.16]]),
  dupNGrams: z.array(z.tuple([z.number().int().positive(), z.number()])).default([[5, 0.15], [6, 0.14], [7, 0.13], [8, 0.12], [9, 0.11], [10, 0.1]]),
});
export type GopherRepetitionConfig = z.infer<typeof gopherRepetitionConfig>;

function topDuplicateChars(words: string[], n: number): number {
  const counts = new Map<string, number>();
  let best = 0;
  for (let i = 0; i + n <= words.length; i++) {
    const g = words.slice(i, i + n).join(' ');
    const c = (counts.get(g) ?? 0) + 1;
    counts.set(g, c);
    if (c * g.length > best && c > 1) best = c * g.length;
  }
  return best;
}

function allDuplicateChars(words: string[], n: number): number {
  const seen = new Set<string>();
  let chars = 0;
  let i = 0;
  while (i < words.length - n + 1) {
    const g = words.slice(i, i + n).join('');
    if (seen.has(g)) {
      chars += g.length;
      i += n;
    } else {
      seen.add(g);
      i++;
    }
  }
  return chars;
}

/** Drop reason for a text that repeats itself too much, or undefined to keep it. */
export function gopherRepetition(text: string, cfg: GopherRepetitionConfig = gopherRepetitionConfig.parse({})): string | undefined {
  const len = text.length || 1;
  const paras = text.trim().split(/\n{2,}/);
  const pd = findDuplicates(paras);
  if (pd.count / paras.length > cfg.dupParaFrac) return 'dup_para_frac';
  if (pd.chars / len > cfg.dupParaCharFrac) return 'dup_para_char_frac';
  const lines = text.split(/\n+/);
  const ld = findDuplicates(lines);
  if (ld.count / lines.length > cfg.dupLineFrac) return 'dup_line_frac';
  if (ld.chars / len > cfg.dupLineCharFrac) return 'dup_line_char_frac';
  const words = splitWords(text);
  for (const [n, frac] of cfg.topNGrams) {
    if (words.length < n) continue;
    // datatrove counts the top n-gram even when it occurs once; a single occurrence can only
    // exceed the fraction on tiny texts, which the other filters drop anyway.
    if (topDuplicateChars(words, n) / len > frac) return `top_${n}_gram`;
  }
  for (const [n, frac] of cfg.dupNGrams) {
    if (allDuplicateChars(words, n) / len > frac) return `duplicated_${n}_n_grams`;
  }
  return undefined;
}
