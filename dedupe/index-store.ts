// The persistent index (--index DIR): everything earlier runs kept, as generations. A generation
// is what one run added: per-band sorted runs and the exact-hash run (same 12-byte records as a
// run's own, ids = the generation's document numbers), plus the kept documents' minima for
// verifying candidates. Generations are immutable directories, added by rename, listed in
// index.json (rewritten atomically), so a killed run leaves either no generation or a whole one.
import { closeSync, openSync, readSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { ConfigError, CorruptPartError } from '../core/errors.js';
import { makeDirs } from '../core/make-dirs.js';

/** One run's contribution to the index. */
export interface IndexGeneration {
  name: string;
  docs: number;
  /** False when added by an --exact-only run (no band runs, no minima). */
  near: boolean;
  /** Output dataset of the run that added it. */
  addedBy: string;
  addedAt: string;
  /** For a compacted generation: the names of the generations it replaced (theirs included, recursively). */
  merged?: string[];
}

/** `index.json`. */
export interface IndexManifest {
  format: 1;
  ngram: number;
  bands: number;
  rows: number;
  generations: IndexGeneration[];
}

/** The MinHash settings an index was built with; every run using it must match them. */
export interface IndexParams {
  ngram: number;
  bands: number;
  rows: number;
}

/** Path of a generation's directory. */
export function generationDir(indexDir: string, name: string): string {
  return path.join(indexDir, name);
}

/** Path of a generation's minima file (P u32 per kept document). */
export function generationSignaturePath(indexDir: string, name: string): string {
  return path.join(indexDir, name, 'signatures.bin');
}

/** Reads index.json; an absent index is an empty one with the given params. Refuses other params. */
export async function readIndex(indexDir: string, params: IndexParams): Promise<IndexManifest> {
  let manifest: IndexManifest | undefined;
  try {
    manifest = await readJsonIfExists<IndexManifest>(path.join(indexDir, 'index.json'));
  } catch (err) {
    throw new CorruptPartError(`unreadable index manifest ${path.join(indexDir, 'index.json')}: ${(err as Error).message}`, { path: indexDir }, { cause: err });
  }
  if (!manifest) return { format: 1, ...params, generations: [] };
  if (manifest.ngram !== params.ngram || manifest.bands !== params.bands || manifest.rows !== params.rows) {
    throw new ConfigError(
      `index ${indexDir} was built with ngram ${manifest.ngram}, ${manifest.bands} bands x ${manifest.rows} rows; this run uses ngram ${params.ngram}, ${params.bands} x ${params.rows} (use the same settings or a new index)`,
      { path: indexDir },
    );
  }
  return manifest;
}

/**
 * Adds a generation: `build(tmpDir)` writes its files and returns its document count; the
 * directory is renamed into place, then index.json is rewritten. Idempotent per name, so a
 * resumed run that already added its generation does not add it twice.
 */
export async function addGeneration(indexDir: string, params: IndexParams, gen: Omit<IndexGeneration, 'docs' | 'addedAt'>, build: (dir: string) => Promise<number>): Promise<IndexGeneration> {
  await makeDirs(indexDir);
  const manifest = await readIndex(indexDir, params);
  // A generation already merged into a compacted one counts as added.
  const listed = manifest.generations.find((g) => g.name === gen.name || g.merged?.includes(gen.name));
  if (listed) return listed;
  const final = generationDir(indexDir, gen.name);
  let docs: number;
  const existingMeta = await readJsonIfExists<IndexGeneration>(path.join(final, 'generation.json'));
  if (existingMeta) docs = existingMeta.docs;
  else {
    const tmp = path.join(indexDir, `.tmp-${gen.name}`);
    await fs.rm(tmp, { recursive: true, force: true });
    await makeDirs(tmp);
    docs = await build(tmp);
    await writeFileAtomic(path.join(tmp, 'generation.json'), JSON.stringify({ ...gen, docs }));
    await fs.rm(final, { recursive: true, force: true });
    await fs.rename(tmp, final);
  }
  const record: IndexGeneration = { ...gen, docs, addedAt: new Date().toISOString() };
  manifest.generations.push(record);
  await writeFileAtomic(path.join(indexDir, 'index.json'), JSON.stringify(manifest, null, 1));
  return record;
}

/** A run that planned against the index and has not finished: compaction waits for it (its resume reads the generations it planned with). */
export interface IndexPin {
  /** The generation the run adds. */
  generation: string;
  /** The run's output dataset. */
  out: string;
}

function pinPath(indexDir: string, generation: string): string {
  return path.join(indexDir, 'pins', `${generation}.json`);
}

/** Records that the run adding `generation` into `out` is under way. */
export async function pinIndex(indexDir: string, pin: IndexPin): Promise<void> {
  await makeDirs(path.join(indexDir, 'pins'));
  await writeFileAtomic(pinPath(indexDir, pin.generation), JSON.stringify(pin));
}

/** Removes a finished run's pin. */
export async function unpinIndex(indexDir: string, generation: string): Promise<void> {
  await fs.rm(pinPath(indexDir, generation), { force: true });
}

/** Pins of runs that planned against the index and have not removed theirs. */
export async function listPins(indexDir: string): Promise<{ file: string; pin: IndexPin | undefined }[]> {
  const dir = path.join(indexDir, 'pins');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names
      .filter((n) => n.endsWith('.json'))
      .map(async (n) => ({ file: path.join(dir, n), pin: await readJsonIfExists<IndexPin>(path.join(dir, n)).catch(() => undefined) })),
  );
}

/** Random access to the minima of the index's documents, one open file per generation. */
export class IndexSignatures {
  private readonly fds: number[];
  private readonly bytes: Uint8Array;

  constructor(indexDir: string, private readonly generations: readonly IndexGeneration[], private readonly permutations: number) {
    this.fds = generations.map((g) => (g.near && permutations > 0 ? openSync(generationSignaturePath(indexDir, g.name), 'r') : -1));
    this.bytes = new Uint8Array(permutations * 4);
  }

  /** Copies document `id` of generation number `gen` into `out`. */
  read(gen: number, id: number, out: Uint32Array): void {
    const fd = this.fds[gen];
    const got = readSync(fd, this.bytes, 0, this.bytes.length, id * this.bytes.length);
    if (got !== this.bytes.length) throw new CorruptPartError(`index generation ${this.generations[gen].name} has no signature for document ${id}`, { key: this.generations[gen].name });
    out.set(new Uint32Array(this.bytes.buffer, 0, this.permutations));
  }

  /** Closes the files. */
  close(): void {
    for (const fd of this.fds) if (fd >= 0) closeSync(fd);
  }
}
