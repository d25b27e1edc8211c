/**
 * C4 line rules (Raffel et al. 2020, as in datatrove's C4QualityFilter): drops documents with
 * lorem ipsum, curly brackets or too few sentences, and removes lines that are too short,
 * mention javascript, or are policy boilerplate. Returns the cleaned text.
 */
import { z } from 'zod';
import { splitWords } from './words.js';

/** Switches and thresholds; defaults are FineWeb's (which turns off the terminal-punctuation rule). */
export const c4QualityConfig = z.object({
  enabled: z.boolean().default(true),
  splitParagraph: z.boolean().default(true),
  removeCitations: z.boolean().default(true),
  filterNoTerminalPunct: z.boolean().default(false),
  minNumSentences: z.number().default(5),
  minWordsPerLine: z.number().default(3),
  maxWordLength: z.number().default(1000),
  filterLoremIpsum: z.boolean().default(true),
  filterJavascript: z.boolean().default(true),
  filterCurlyBracket: z.boolean().default(true),
  filterPolicy: z.boolean().default(true),
});
export type C4QualityConfig = z.infer<typeof c4QualityConfig>;

const END_PUNCT = ['.', '?', '!', '"', "'"];
const ELLIPSIS = ['...', '…'];
const POLICY = ['terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies'];
const CITATION = /\[\d*\]|\[edit\]|\[citation needed\]/g;
const SENTENCE = /[^.!?。！？]+[.!?。！？]+/g;

/** Result of the C4 rules: the cleaned text, or the reason to drop the document. */
export type C4Result = { text: string; drop?: undefined } | { drop: string; text?: undefined };

/** Applies the C4 rules to a text. */
export function c4Quality(text: string, cfg: C4QualityConfig = c4QualityConfig.parse({})): C4Result {
  const lines = cfg.splitParagraph ? text.split('\n') : text.split(/(?<=[.!?])\s+/);
  const kept: string[] = [];
  let sentences = 0;
  for (const raw of lines) {
    let line = raw.trim();
    if (cfg.removeCitations) line = line.replace(CITATION, '');
    if (line.length === 0) continue;
    const lower = line.toLowerCase();
    const words = splitWords(line).filter((w) => /[\p{L}\p{N}]/u.test(w));
    if (words.some((w) => w.length > cfg.maxWordLength)) continue;
    if (cfg.filterNoTerminalPunct && (!END_PUNCT.some((p) => line.endsWith(p)) || ELLIPSIS.some((p) => line.endsWith(p)))) continue;
    if (words.length < cfg.minWordsPerLine) continue;
    if (cfg.filterLoremIpsum && lower.includes('lorem ipsum')) return { drop: 'lorem_ipsum' };
    if (cfg.filterJavascript && lower.includes('javascript')) continue;
    if (cfg.filterCurlyBracket && line.includes('{')) return { drop: 'curly_bracket' };
    if (cfg.filterPolicy && POLICY.some((p) => lower.includes(p))) continue;
    sentences += cfg.splitParagraph ? (line.match(SENTENCE)?.length ?? 0) || 1 : 1;
    kept.push(line);
  }
  if (sentences < cfg.minNumSentences) return { drop: 'too_few_sentences' };
  return { text: kept.join('\n') };
}
