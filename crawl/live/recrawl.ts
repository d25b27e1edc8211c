// Re-crawl of an existing output. runStage skips a finished dataset, so a re-crawl first
// reopens every task: its done marker and SUCCESS.json go, its parts and commits stay. The task
// then finds a cursor marked complete and starts a new generation: every known URL is queued
// again with its stored ETag/Last-Modified, 304s keep the old document, changed pages add a
// new version (id `<urlId>.v<N>`).
import { promises as fs } from 'node:fs';
import { layout } from '../../core/dataset-layout.js';
import { readManifest } from '../../core/dataset-manifest.js';
import { UsageError } from '../../core/errors.js';

/** Makes a finished live-crawl output runnable again (no-op when it is not finished). */
export async function reopenForRecrawl(out: string): Promise<void> {
  const manifest = await readManifest(out);
  if (!manifest) return; // nothing crawled yet: a plain first crawl
  if (manifest.stage !== 'crawl' || !manifest.module.includes('/crawl/live/')) {
    throw new UsageError(`--recrawl: ${out} is not the output of a live crawl (stage ${manifest.stage})`, { path: out });
  }
  await fs.rm(layout.success(out), { force: true });
  for (const t of manifest.tasks) await fs.rm(layout.doneMarker(out, t.index), { force: true });
}
