import { requireLocalPath } from './storage/s3-location.js';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { readCommits } from './commit-record.js';
import { layout, parsePartName, pendingPartName } from './dataset-layout.js';
import type { Document, Row } from './document.js';
import { CorruptInputError, CorruptPartError, ForeignFileError, UsageError } from './errors.js';
import { isTempName } from './atomic-file.js';
import { expandGlob, globBase, isGlob } from './glob.js';
import { lineDocumentId, textFileDocumentId } from './document-id.js';

/**
 * One readable input file: a Parquet part, a JSON-lines file or a plain-text file (one document
 * per file); JSONL and text optionally gzip/zstd.
 */
export interface InputFile {
  /** Absolute path. */
  path: string;
  format: 'parquet' | 'jsonl' | 'text';
  compression?: 'gzip' | 'zstd';
  bytes: number;
  /** Rows, when known without reading (kiln parts). */
  rows?: number;
  /** JSONL and text: the path relative to the input it was found under (`/`-separated); ids of documents without one derive from it. */
  source?: string;
}

const TEXT_RE = /\.(jsonl|ndjson|json|txt)(\.(gz|zst))?$/;
const EXPECTED = 'expected .parquet, .jsonl, .txt, optionally .gz or .zst';

function classify(file: string): Pick<InputFile, 'format' | 'compression'> | undefined {
  if (file.endsWith('.parquet')) return { format: 'parquet' };
  const m = TEXT_RE.exec(file);
  if (!m) return undefined;
  return { format: m[1] === 'txt' ? 'text' : 'jsonl', compression: m[3] === 'gz' ? 'gzip' : m[3] === 'zst' ? 'zstd' : undefined };
}

/** An input file record; `root` is the directory `source` is relative to. */
function fileEntry(full: string, kind: Pick<InputFile, 'format' | 'compression'>, bytes: number, root: string): InputFile {
  const entry: InputFile = { path: full, ...kind, bytes };
  // Only JSONL and text need it: adding it to Parquet entries would change the plan (and so the
  // identity) of every existing dataset made from kiln parts.
  if (kind.format !== 'parquet') entry.source = path.relative(root, full).split(path.sep).join('/');
  return entry;
}

/** True when `dir` is a dataset kiln wrote (has `_kiln/dataset.json`). */
export async function isKilnDataset(dir: string): Promise<boolean> {
  return fs.stat(layout.datasetJson(dir)).then((s) => s.isFile(), () => false);
}

/** `dir` must be absolute (listInputFiles resolves every input first). */
async function kilnParts(dir: string): Promise<InputFile[]> {
  const commits = await readCommits(dir);
  const committed = new Set<string>();
  const files: InputFile[] = [];
  for (const c of commits) {
    if (!c.file) continue;
    // A commit record must name a file inside the dataset: never follow `../` out of it.
    if (c.file !== path.basename(c.file) || c.file.includes('/') || c.file.includes('\\') || c.file === '..' || c.file === '.') {
      throw new CorruptPartError(`commit record of task ${c.task} chunk ${c.chunk} names a file outside the dataset: ${c.file}`, { path: dir });
    }
    let full = path.join(dir, c.file);
    let st = await fs.stat(full).catch(() => undefined);
    if (!st) {
      // Committed but not yet published under its final name (the writer renames right after the
      // commit record; a kill in between is rolled forward by the next run): read it where it is.
      const pending = path.join(dir, pendingPartName(c.file));
      st = await fs.stat(pending).catch(() => undefined);
      if (st) full = pending;
    }
    if (!st) throw new CorruptPartError(`committed part is missing: ${full}`, { path: full });
    if (st.size !== c.bytes) throw new CorruptPartError(`committed part ${full} has ${st.size} bytes, its commit record says ${c.bytes} (truncated or replaced)`, { path: full });
    committed.add(c.file);
    files.push({ path: full, format: 'parquet', bytes: c.bytes, rows: c.rows });
  }
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (!e.isFile() || committed.has(e.name) || isTempName(e.name) || e.name.startsWith('.')) continue;
    // Uncommitted parts are a running or killed writer's leftovers: invisible to readers.
    if (parsePartName(e.name)) continue;
    throw new ForeignFileError(`file kiln did not write in dataset ${dir}: ${e.name}`, { path: path.join(dir, e.name) });
  }
  return files;
}

async function plainDir(dir: string, root = dir): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    // Hidden files and Spark/Hadoop markers (_SUCCESS, _metadata) are not data.
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const st = e.isSymbolicLink() ? await fs.stat(full) : undefined;
    if (e.isDirectory() || st?.isDirectory()) {
      out.push(...(await plainDir(full, root)));
      continue;
    }
    const kind = classify(e.name);
    if (!kind) throw new ForeignFileError(`not a Parquet, JSONL or text file: ${full} (${EXPECTED})`, { path: full });
    out.push(fileEntry(full, kind, (st ?? (await fs.stat(full))).size, root));
  }
  return out;
}

/**
 * The canonical form of a path the user typed: absolute, normalised (`./a`, `a/`, `a//b`), with
 * symlinks resolved, so every spelling of one dataset plans, locks and resumes as the same one.
 */
export async function canonicalPath(p: string): Promise<string> {
  const abs = path.resolve(requireLocalPath(p));
  return fs.realpath(abs).catch(() => abs);
}

/** Resolves dataset dirs, plain dirs, files and globs to the files to read (absolute paths), in a stable order. */
export async function listInputFiles(inputs: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const input of inputs) {
    if (isGlob(input)) {
      const matches = await expandGlob(input);
      if (matches.length === 0) throw new UsageError(`no files match ${input}`, { path: input });
      const root = globBase(input);
      for (const m of matches) {
        const kind = classify(m);
        if (!kind) throw new ForeignFileError(`not a Parquet, JSONL or text file: ${m} (${EXPECTED})`, { path: m });
        out.push(fileEntry(m, kind, (await fs.stat(m)).size, root));
      }
      continue;
    }
    const st = await fs.stat(input).catch(() => undefined);
    if (!st) throw new UsageError(`input does not exist: ${input}`, { path: input });
    const abs = await canonicalPath(input);
    if (st.isDirectory()) {
      out.push(...((await isKilnDataset(abs)) ? await kilnParts(abs) : await plainDir(abs)));
    } else {
      const kind = classify(abs);
      if (!kind) throw new ForeignFileError(`not a Parquet, JSONL or text file: ${input} (${EXPECTED})`, { path: input });
      out.push(fileEntry(abs, kind, st.size, path.dirname(abs)));
    }
  }
  return out;
}

function zstdStream(): Transform {
  // fzstd streams in pure JS (Node 20 has no zstd in zlib); output chunks are pushed as they decode.
  let decoder: ZstdDecompress;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        decoder.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  decoder = new ZstdDecompress((data) => { t.push(Buffer.from(data)); });
  return t;
}

/** The decompressed byte stream of a JSONL or text file (gzip, zstd or none). */
export function openDecompressed(file: Pick<InputFile, 'path' | 'compression'>): Readable {
  const stream: Readable = createReadStream(file.path);
  if (file.compression === 'gzip') return stream.pipe(createGunzip());
  if (file.compression === 'zstd') return stream.pipe(zstdStream());
  return stream;
}

async function* readJsonl(file: InputFile, fromRow: number): AsyncGenerator<Row> {
  const stream = openDecompressed(file);
  const source = file.source ?? path.basename(file.path);
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let row = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      if (row++ < fromRow) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new CorruptInputError(`${file.path}:${lineNo}: invalid JSON (${(err as Error).message})`, { path: file.path, record: lineNo });
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new CorruptInputError(`${file.path}:${lineNo}: expected a JSON object per line`, { path: file.path, record: lineNo });
      }
      const record = value as Row;
      // Rows without an id get one from where they are (tokenize's worker parser does the same).
      if (record.id === undefined || record.id === null) record.id = lineDocumentId(source, lineNo);
      yield record;
    }
  } catch (err) {
    if (err instanceof CorruptInputError) throw err;
    throw new CorruptInputError(`${file.path}: cannot read (${(err as Error).message})`, { path: file.path, record: lineNo }, { cause: err });
  } finally {
    lines.close();
    stream.destroy();
  }
}

// Bound: one document per file, so the file is the document and is held whole, as any reader of it would.
async function* readTextFile(file: InputFile, fromRow: number): AsyncGenerator<Row> {
  if (fromRow > 0) return;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of openDecompressed(file)) chunks.push(chunk as Buffer);
  } catch (err) {
    throw new CorruptInputError(`${file.path}: cannot read (${(err as Error).message})`, { path: file.path }, { cause: err });
  }
  // A leading BOM marks the file's encoding; it is not part of the text (TextDecoder drops it).
  const text = new TextDecoder('utf-8').decode(Buffer.concat(chunks));
  yield { id: textFileDocumentId(file.source ?? path.basename(file.path), text), text };
}

/** Rows of one input file from row `fromRow` on (0-based, counting non-empty lines for JSONL; a text file is one row). */
export function readInputRows(file: InputFile, options: { fromRow?: number; columns?: string[] } = {}): AsyncGenerator<Row> {
  const fromRow = options.fromRow ?? 0;
  if (file.format === 'parquet') return readParquet(file.path, fromRow, options.columns);
  return file.format === 'text' ? readTextFile(file, fromRow) : readJsonl(file, fromRow);
}

// hyparquet and its codecs load (~15 ms) only when a Parquet input is read.
async function* readParquet(file: string, fromRow: number, columns: string[] | undefined): AsyncGenerator<Row> {
  const { readParquetRows } = await import('./parquet-read.js');
  yield* readParquetRows(file, { fromRow, columns });
}

/** Checks that a row is a document (string `id` and `text`) and returns it typed. */
export function asDocument(row: Row, file: string, index: number): Document {
  for (const key of ['id', 'text'] as const) {
    const v = row[key];
    if (typeof v !== 'string' && !(key === 'id' && typeof v === 'number')) {
      throw new CorruptInputError(`${file}: record ${index} has no string \`${key}\``, { path: file, record: index, key });
    }
  }
  if (typeof row.id === 'number') row.id = String(row.id);
  return row as Document;
}

/** Every document of the given inputs, in order (a convenience for small reads and tests). */
export async function* readDocuments(inputs: readonly string[]): AsyncGenerator<Document> {
  for (const file of await listInputFiles(inputs)) {
    let i = 0;
    for await (const row of readInputRows(file)) yield asDocument(row, file.path, i++);
  }
}
