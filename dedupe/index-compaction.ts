// Compaction of a persistent dedupe index: an incremental pipeline adds one generation per run,
// and a run against the index merges one sorted run per generation per band, so after months
// of hourly runs it would open thousands of files. Compaction merges the generations, in order,
// into one: the same records with document numbers offset by the generations before them, so
// a run against the compacted index makes exactly the decisions it would have made before.
import { closeSync, fsyncSync, openSync, readSync, statSync, writeSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { readSuccess } from '../core/dataset-manifest.js';
import { ConfigError, CorruptPartError, KilnError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { bandFileName } from './band-runs.js';
import { lockIndex } from './index-lock.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { withStagedDirectory } from '../core/storage/staged-stage.js';
import { generationDir, generationSignaturePath, listPins, type IndexGeneration, type IndexManifest } from './index-store.js';
import { RunReader, RunWriter, mergeRuns } from './run-file.js';
import { makeDirs } from '../core/make-dirs.js';

/** An unfinished dedupe run planned against the index: its resume needs the generations as they are. */
export class IndexPinnedError extends KilnError {
  constructor(indexDir: string, out: string) {
    super(
      'KILN_INDEX_PINNED',
      `index ${indexDir} is pinned by the unfinished dedupe run into ${out}: rerun that command to finish it (or delete ${out}), then compact`,
      { path: indexDir },
    );
  }
}

/** What a compaction did. */
export interface CompactionResult {
  indexDir: string;
  generationsBefore: number;
  generationsAfter: number;
  documents: number;
}

/** Options of compactIndex. */
export interface CompactionOptions {
  /** Generations merged per pass (bounds open files and merge buffers; default 64). */
  fanIn?: number;
  log?: Logger;
}

// Per pass: fanIn readers of at most 1 MiB each.
const DEFAULT_FAN_IN = 64;

/** Merges all generations of the index at `indexDir` into one, under the index lock. */
export async function compactIndex(indexDir: string, options: CompactionOptions = {}): Promise<CompactionResult> {
  if (isS3Url(indexDir)) {
    // The index on s3://: leased, copied down as the server holds it, compacted here and
    // published back (merged generations deleted, index.json last), as dedupe does.
    const result = await withStagedDirectory(indexDir, { mirror: true, last: (k) => k === 'index.json' }, (dir) => compactIndex(dir, options));
    return { ...result, indexDir };
  }
  const dir = path.resolve(indexDir);
  const fanIn = Math.max(2, options.fanIn ?? DEFAULT_FAN_IN);
  const unlock = await lockIndex(dir);
  try {
    const manifestPath = path.join(dir, 'index.json');
    const manifest = await readJsonIfExists<IndexManifest>(manifestPath);
    if (!manifest) throw new ConfigError(`no dedupe index at ${dir} (index.json is missing)`, { path: dir });
    for (const { file, pin } of await listPins(dir)) {
      const unfinished = pin !== undefined && (await fs.stat(pin.out).catch(() => undefined)) !== undefined && (await readSuccess(pin.out)) === undefined;
      if (unfinished) throw new IndexPinnedError(dir, pin.out);
      await fs.rm(file, { force: true }); // finished or gone: the pin is stale
    }
    const before = manifest.generations.length;
    // Passes of at most fanIn generations, each replacing its group in place, so order holds and
    // a kill between passes leaves a valid index (the next compaction goes on from there).
    while (manifest.generations.length > 1) {
      const group = manifest.generations.slice(0, fanIn);
      const merged = await mergeGenerations(dir, manifest, group);
      manifest.generations.splice(0, group.length, merged);
      await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 1));
      options.log?.info('index_compacted', { index: dir, merged: group.length, docs: merged.docs });
      for (const g of group) await fs.rm(generationDir(dir, g.name), { recursive: true, force: true });
    }
    await removeStrays(dir, manifest);
    return { indexDir: dir, generationsBefore: before, generationsAfter: manifest.generations.length, documents: manifest.generations.reduce((s, g) => s + g.docs, 0) };
  } finally {
    await unlock();
  }
}

/** Writes one generation holding `group`'s documents (renumbered in order) and returns its record. */
async function mergeGenerations(dir: string, manifest: IndexManifest, group: IndexGeneration[]): Promise<IndexGeneration> {
  const name = `gen-${Date.now().toString(36)}-compact-${group.length}`;
  const tmp = path.join(dir, `.tmp-${name}`);
  await fs.rm(tmp, { recursive: true, force: true });
  await makeDirs(tmp);
  const offsets: number[] = [];
  let docs = 0;
  for (const g of group) {
    offsets.push(docs);
    docs += g.docs;
  }
  const near = group.some((g) => g.near);
  const files: Array<number | 'exact'> = ['exact'];
  if (near) for (let b = 0; b < manifest.bands; b++) files.push(b);
  // Memory: one 1 MiB buffer per merged generation (at most fanIn) plus the writer's.
  for (const band of files) {
    const file = bandFileName(band);
    const members = group.map((g, i) => ({ g, i })).filter(({ g }) => band === 'exact' || g.near);
    const readers = members.map(({ g }) => new RunReader(path.join(generationDir(dir, g.name), file)));
    const w = new RunWriter(path.join(tmp, file));
    mergeRuns(readers, (hi, lo, id, run) => w.push(hi, lo, offsets[members[run].i] + id));
    w.close();
  }
  if (near) writeSignatures(dir, path.join(tmp, 'signatures.bin'), group, manifest.bands * manifest.rows);
  const record: IndexGeneration = {
    name,
    docs,
    near,
    addedBy: `compaction of ${group.length} generations`,
    addedAt: new Date().toISOString(),
    merged: group.flatMap((g) => [g.name, ...(g.merged ?? [])]),
  };
  await writeFileAtomic(path.join(tmp, 'generation.json'), JSON.stringify(record));
  await fs.rename(tmp, generationDir(dir, name));
  return record;
}

/** Concatenates the group's minima; an exact-only generation's documents get zeros (never read: they are in no band). */
function writeSignatures(dir: string, to: string, group: IndexGeneration[], permutations: number): void {
  const bytesPerDoc = permutations * 4;
  const buf = new Uint8Array(1 << 20);
  const fd = openSync(to, 'w');
  try {
    for (const g of group) {
      const want = g.docs * bytesPerDoc;
      if (!g.near) {
        buf.fill(0);
        for (let left = want; left > 0; left -= Math.min(left, buf.length)) writeSync(fd, buf, 0, Math.min(left, buf.length));
        continue;
      }
      const from = generationSignaturePath(dir, g.name);
      const size = statSync(from).size;
      if (size !== want) throw new CorruptPartError(`index generation ${g.name}: signatures.bin is ${size} bytes, expected ${want} (${g.docs} documents)`, { path: from });
      const src = openSync(from, 'r');
      try {
        for (let at = 0; at < want; ) {
          const n = readSync(src, buf, 0, Math.min(buf.length, want - at), at);
          if (n === 0) throw new CorruptPartError(`index generation ${g.name}: signatures.bin ended early`, { path: from });
          writeSync(fd, buf, 0, n);
          at += n;
        }
      } finally {
        closeSync(src);
      }
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes generation folders the manifest does not list and temp folders: what a killed compaction or run left. */
async function removeStrays(dir: string, manifest: IndexManifest): Promise<void> {
  const listed = new Set(manifest.generations.map((g) => g.name));
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'pins' || listed.has(entry.name)) continue;
    const isGeneration = entry.name.startsWith('.tmp-') || (await fs.stat(path.join(dir, entry.name, 'generation.json')).catch(() => undefined)) !== undefined;
    if (isGeneration) await fs.rm(path.join(dir, entry.name), { recursive: true, force: true });
  }
}
