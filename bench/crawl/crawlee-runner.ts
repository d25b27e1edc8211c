// The peer: Crawlee's CheerioCrawler over the bench site, with robots.txt respected and the
// same concurrency as kiln. Extracts title + body text and stores it in Crawlee's Dataset
// (its standard persisted output), as kiln stores documents.
// Usage: node dist/bench/crawl/crawlee-runner.js ORIGIN CONCURRENCY MAX_PAGES (CRAWLEE_STORAGE_DIR set by the caller).
import { CheerioCrawler, Configuration, log } from '@crawlee/cheerio';

if (process.argv[1]?.endsWith('crawlee-runner.js')) {
  const [origin, concurrency, maxPages] = process.argv.slice(2);
  log.setLevel(log.LEVELS.ERROR);
  const c = Number(concurrency);
  let pages = 0;
  const crawler = new CheerioCrawler(
    {
      // Autoscaling starts at 1 and ramps up; pinning min = max gives it kiln's fixed concurrency.
      minConcurrency: c,
      maxConcurrency: c,
      maxRequestsPerCrawl: Number(maxPages),
      respectRobotsTxtFile: true,
      async requestHandler({ $, request, enqueueLinks, pushData }) {
        await enqueueLinks({ strategy: 'same-hostname' });
        $('script, style, nav, header, footer, aside').remove();
        await pushData({ url: request.loadedUrl ?? request.url, title: $('title').text(), text: $('body').text().replace(/\s+\n/g, '\n').trim() });
        pages++;
      },
    },
    new Configuration({ persistStorage: true }),
  );
  await crawler.run([`${origin}/`]);
  process.stdout.write(`${JSON.stringify({ pages })}\n`);
}
