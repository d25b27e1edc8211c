// Language id, quality filters (Gopher, C4, FineWeb) and PII replacement for crawled pages,
// taken from the archive crawler's document pipeline so both crawl inputs give the same
// documents. Loaded lazily: when crawl/archive is absent the crawler keeps every page with text.

/** A page's fate after filtering (a dropped page's language too, once known). */
export type LivePageVerdict = { keep: true; text: string; lang: string | null; langScore: number | null } | { keep: false; reason: string; lang?: string; langScore?: number };

/** The filter of one crawl (config bound); `scrub` applies its PII replacement alone (to text kept as excluded). */
export type PageFilter = ((text: string) => LivePageVerdict) & { scrub(text: string): string };

interface ArchivePipeline {
  processPageText(text: string, cfg: unknown): LivePageVerdict;
  scrubPii(text: string, cfg: unknown): string;
  archiveCrawlConfig: { parse(v: unknown): unknown };
}

/** Settings passed to the shared pipeline (its schema fills in the rest). */
export interface PageFilterOptions {
  filter: boolean;
  languages: string[];
}

const noFilter: PageFilter = Object.assign((text: string): LivePageVerdict => (text.trim() ? { keep: true, text, lang: null, langScore: null } : { keep: false, reason: 'empty_text' }), {
  scrub: (text: string) => text,
});

/** Builds the page filter; falls back to "keep non-empty text" when the shared pipeline is unavailable. */
export async function loadPageFilter(o: PageFilterOptions): Promise<PageFilter> {
  const mod = (await import('../archive/index.js').catch(() => null)) as Partial<ArchivePipeline> | null;
  if (!mod || typeof mod.processPageText !== 'function' || typeof mod.scrubPii !== 'function' || !mod.archiveCrawlConfig) return noFilter;
  const cfg = mod.archiveCrawlConfig.parse({ filter: o.filter, languages: o.languages });
  const { processPageText, scrubPii } = mod;
  return Object.assign((text: string) => processPageText(text, cfg), { scrub: (text: string) => scrubPii(text, cfg) });
}
