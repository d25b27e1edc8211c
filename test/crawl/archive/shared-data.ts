/** Locates ../shared/data for the archive tests (skipped with a message when absent). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (tests run from dist/test/crawl/archive). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** ../shared/data/warc, or undefined when the shared data is absent. */
export const warcDir = ((): string | undefined => {
  const d = path.resolve(projectRoot, '../shared/data/warc');
  return existsSync(d) ? d : undefined;
})();
