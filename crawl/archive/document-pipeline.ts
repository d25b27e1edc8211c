/**
 * A page's way from extracted text to a document row: language id, the language and quality
 * filters (each drop named), PII replacement. Shared shape with the live crawler's output.
 */
import { detectLanguage, replacePii } from '../extract/index.js';
import { qualityFilters } from '../filters/index.js';
import type { ArchiveCrawlConfig } from './config.js';

/** The text to keep with its language, or the reason it was dropped (and the language, once known). */
export type PageVerdict = { keep: true; text: string; lang: string; langScore: number } | { keep: false; reason: string; lang?: string; langScore?: number };

/** Applies language id, filters and PII replacement to one page's text. */
export function processPageText(text: string, cfg: ArchiveCrawlConfig): PageVerdict {
  if (!text.trim()) return { keep: false, reason: 'empty_text' };
  const { lang, score } = detectLanguage(text);
  let t = text;
  if (cfg.filter) {
    if (cfg.languages.length > 0 && (!cfg.languages.includes(lang) || score < cfg.minLanguageScore)) return { keep: false, reason: 'language', lang, langScore: score };
    const v = qualityFilters(t, cfg.quality);
    if (!v.keep) return { keep: false, reason: v.reason, lang, langScore: score };
    t = v.text;
  }
  return { keep: true, text: scrubPii(t, cfg), lang, langScore: score };
}

/** The text with e-mail and IP addresses replaced as the config asks: kept and excluded documents alike. */
export function scrubPii(text: string, cfg: ArchiveCrawlConfig): string {
  return cfg.pii.emails || cfg.pii.ips ? replacePii(text, { emails: cfg.pii.emails, ips: cfg.pii.ips }) : text;
}
