// Removing rows from a finished dataset (a takedown): each part holding a removed row is rewritten
// through the commit protocol — the new part is written to its pending name and fsync'd, the
// commit record (rows, bytes, checksum) replaced atomically, then the part renamed over the old
// one. Filtering is deterministic, so a run killed at any point and run again ends with the same
// parts: a part already rewritten holds no removed row and is left alone.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir, readJsonIfExists, writeFileAtomic, writeFileSynced } from './atomic-file.js';
import { checksum } from './checksum.js';
import { type CommitRecord, readCommits } from './commit-record.js';
import { layout, parsePartName, pendingPartName } from './dataset-layout.js';
import { type DoneMarker, type SuccessRecord, readManifest } from './dataset-manifest.js';
import type { Row } from './document.js';
import { CorruptPartError } from './errors.js';
import { encodeParquet } from './parquet-write.js';
import { readParquetRows } from './parquet-read.js';

/** What removing rows did to one dataset. */
export interface RowRemoval {
  dir: string;
  removed: number;
  /** Part files rewritten (or deleted when no row was left). */
  parts: string[];
}

/** Removes from dataset `dir` every row `remove` selects; `onRemoved` sees each removed row first. */
export async function removeDatasetRows(dir: string, remove: (row: Row) => boolean, onRemoved?: (row: Row) => void): Promise<RowRemoval> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new CorruptPartError(`${dir} is not a kiln dataset (no _kiln/dataset.json)`, { path: dir });
  const result: RowRemoval = { dir, removed: 0, parts: [] };
  const names = (await fs.readdir(dir)).filter((n) => parsePartName(n)).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    // Memory bound: one part's rows (a part is one writer chunk, capped by the stage's chunk limits).
    const kept: Row[] = [];
    let removed = 0;
    for await (const row of readParquetRows(file)) {
      if (remove(row)) {
        removed++;
        onRemoved?.(row);
      } else kept.push(row);
    }
    if (removed === 0) continue;
    const id = parsePartName(name)!;
    const commitFile = layout.commit(dir, id.task, id.chunk);
    const commit = await readJsonIfExists<CommitRecord>(commitFile);
    if (!commit) throw new CorruptPartError(`part ${file} has no commit record`, { path: file });
    if (kept.length === 0) {
      await writeFileAtomic(commitFile, JSON.stringify({ ...commit, file: null, rows: 0, bytes: 0, checksum: null } satisfies CommitRecord));
      await fs.rm(file, { force: true });
    } else {
      const data = encodeParquet(manifest.columns, kept);
      const pending = path.join(dir, pendingPartName(name));
      await writeFileSynced(pending, data);
      await writeFileAtomic(commitFile, JSON.stringify({ ...commit, rows: kept.length, bytes: data.byteLength, checksum: checksum(data) } satisfies CommitRecord));
      await fs.rename(pending, file);
    }
    await fsyncDir(dir);
    result.removed += removed;
    result.parts.push(name);
  }
  // Always, not only when this call rewrote a part: a run killed between a part's rename and the
  // recount leaves totals that no longer match the commit records, and its rerun finds no row to remove.
  await recount(dir);
  return result;
}

/** Rewrites the done markers' and SUCCESS.json's row and byte totals from the commit records (only those that differ). */
async function recount(dir: string): Promise<void> {
  const commits = await readCommits(dir);
  const perTask = new Map<number, { rows: number; bytes: number }>();
  for (const c of commits) {
    const t = perTask.get(c.task) ?? { rows: 0, bytes: 0 };
    t.rows += c.rows;
    t.bytes += c.bytes;
    perTask.set(c.task, t);
  }
  for (const [task, t] of perTask) {
    const done = await readJsonIfExists<DoneMarker>(layout.doneMarker(dir, task));
    if (done && (done.rows !== t.rows || done.bytes !== t.bytes)) await writeFileAtomic(layout.doneMarker(dir, task), JSON.stringify({ ...done, rows: t.rows, bytes: t.bytes }));
  }
  const success = await readJsonIfExists<SuccessRecord>(layout.success(dir));
  if (success) {
    const rows = [...perTask.values()].reduce((a, t) => a + t.rows, 0);
    const bytes = [...perTask.values()].reduce((a, t) => a + t.bytes, 0);
    if (success.rows !== rows || success.bytes !== bytes) await writeFileAtomic(layout.success(dir), JSON.stringify({ ...success, rows, bytes }, null, 1));
  }
}
