/**
 * The fixed tuning / held-out split of the extraction corpora. Extractor rules may be tuned by
 * looking at tuning pages only; quality is reported on the held-out pages, which nobody tunes
 * on. A page's side is decided by a hash of its file name, so it never changes and needs no list.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

/** Which pages a measurement covers. */
export type CorpusHalf = 'held-out' | 'tuning' | 'all';

/** Whether the page stored as `fileName` (any directory part is ignored) is in the tuning half. */
export function isTuningPage(fileName: string): boolean {
  // MD5 only for its spread: it splits both shared corpora into exact halves (36/36, 50/50).
  return createHash('md5').update(path.basename(fileName)).digest()[0] < 128;
}

/** Whether the page stored as `fileName` belongs to `half`. */
export function inHalf(fileName: string, half: CorpusHalf): boolean {
  return half === 'all' || isTuningPage(fileName) === (half === 'tuning');
}
