/**
 * A page's way from extracted text to a document row: language id, the language and quality
 * filters (each drop named), PII replacement. Shared shape with the live crawler's output.
 */
import { detectLanguage, replacePii } from '../extract/index.js';
import { qualityFilters } from '../filters/index.js';
import type { ArchiveCrawlConfig } from './config.js';

/** The text to keep with its language, or the reason it was dropped. */
export type PageVerdict = { keep: true; text: string; lang: string; langScore: number } | { keep: false; reason: string };

/** Applies language id, filters and PII replacement to one page's text. */
export function processPageText(text: string, cfg: ArchiveCrawlConfig): PageVerdict {
  if (!text.trim()) return { keep: false, reason: 'empty_text' };
  const { lang, score } = detectLanguage(text);
  let t = text;
  if (cfg.filter) {
    if (cfg.languages.length > 0 && (!cfg.languages.includes(lang) || score < cfg.minLanguageScore)) return { keep: false, reason: 'language' };
    const v = qualityFilters(t, cfg.quality);
    if (!v.keep) return { keep: false, reason: v.reason };
    t = v.text;
  }
  if (cfg.pii.emails || cfg.pii.ips) t = replacePii(t, { emails: cfg.pii.emails, ips: cfg.pii.ips });
  return { keep: true, text: t, lang, langScore: score };
}
