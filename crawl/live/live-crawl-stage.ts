// The live crawl as a core stage: one task by default (one frontier, run in the calling thread);
// with `tasks: N` each task owns the hosts that hash to it (host-partition.ts) and keeps its own
// frontier, so the tasks run at once on worker threads or on any Slurm node. Documents are
// committed through the TaskWriter like any other stage's rows.
import { defineStage } from '../../core/stage.js';
import { liveCrawlConfig, type LiveCrawlConfig } from './config.js';
import { LIVE_CRAWL_COLUMNS, runLiveCrawl } from './live-crawler.js';

/** `kiln crawl --url/--seeds/--sitemap`: seed URLs and sitemaps → documents dataset (+ WARC). */
export const liveCrawlStage = defineStage<LiveCrawlConfig>({
  name: 'crawl',
  module: import.meta.url,
  config: liveCrawlConfig,
  columns: () => LIVE_CRAWL_COLUMNS,
  excludedColumns: (config) => (config.excluded ? [...LIVE_CRAWL_COLUMNS, { name: 'reason', type: 'string' }] : undefined),
  plan: async ({ tasks }) => Array.from({ length: tasks ?? 1 }, (_, index) => ({ index, inputs: [] })),
  runTask: runLiveCrawl,
});
