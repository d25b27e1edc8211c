// Language id, quality filters (Gopher, C4, FineWeb) and PII replacement for crawled pages,
// taken from the archive crawler's document pipeline so both crawl inputs give the same
// documents. Imported statically: a crawl without its filters would be a different crawl.
import { archiveCrawlConfig } from '../archive/config.js';
import { processPageText, scrubPii } from '../archive/document-pipeline.js';

/** A page's fate after filtering (a dropped page's language too, once known). */
export type LivePageVerdict = { keep: true; text: string; lang: string | null; langScore: number | null } | { keep: false; reason: string; lang?: string; langScore?: number };

/** The filter of one crawl (config bound); `scrub` applies its PII replacement alone (to text kept as excluded). */
export type PageFilter = ((text: string) => LivePageVerdict) & { scrub(text: string): string };

/** Settings passed to the shared pipeline (its schema fills in the rest). */
export interface PageFilterOptions {
  filter: boolean;
  languages: string[];
  /** Replace e-mail and IP addresses (default true). */
  pii?: boolean;
}

/** Builds the page filter of one crawl. */
export async function loadPageFilter(o: PageFilterOptions): Promise<PageFilter> {
  const pii = o.pii ?? true;
  const cfg = archiveCrawlConfig.parse({ filter: o.filter, languages: o.languages, pii: { emails: pii, ips: pii } });
  return Object.assign((text: string) => processPageText(text, cfg), { scrub: (text: string) => scrubPii(text, cfg) });
}
