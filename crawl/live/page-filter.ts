// Language id, quality filters (Gopher, C4, FineWeb) and PII replacement for crawled pages,
// taken from the archive crawler's document pipeline so both crawl inputs give the same
// documents. Loaded lazily: when crawl/archive is absent the crawler keeps every page with text.

/** A page's fate after filtering. */
export type LivePageVerdict = { keep: true; text: string; lang: string | null; langScore: number | null } | { keep: false; reason: string };

/** The filter of one crawl (config bound). */
export type PageFilter = (text: string) => LivePageVerdict;

interface ArchivePipeline {
  processPageText(text: string, cfg: unknown): LivePageVerdict;
  archiveCrawlConfig: { parse(v: unknown): unknown };
}

/** Settings passed to the shared pipeline (its schema fills in the rest). */
export interface PageFilterOptions {
  filter: boolean;
  languages: string[];
}

const noFilter: PageFilter = (text) => (text.trim() ? { keep: true, text, lang: null, langScore: null } : { keep: false, reason: 'empty_text' });

/** Builds the page filter; falls back to "keep non-empty text" when the shared pipeline is unavailable. */
export async function loadPageFilter(o: PageFilterOptions): Promise<PageFilter> {
  const mod = (await import('../archive/index.js').catch(() => null)) as Partial<ArchivePipeline> | null;
  if (!mod || typeof mod.processPageText !== 'function' || !mod.archiveCrawlConfig) return noFilter;
  const cfg = mod.archiveCrawlConfig.parse({ filter: o.filter, languages: o.languages });
  const run = mod.processPageText;
  return (text) => run(text, cfg);
}
