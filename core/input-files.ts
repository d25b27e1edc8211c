import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { readCommits } from './commit-record.js';
import { layout, parsePartName } from './dataset-layout.js';
import type { Document, Row } from './document.js';
import { CorruptInputError, CorruptPartError, ForeignFileError, UsageError } from './errors.js';
import { isTempName } from './atomic-file.js';
import { expandGlob, isGlob } from './glob.js';

/** One readable input file: a Parquet part or a JSON-lines file (optionally gzip/zstd). */
export interface InputFile {
  path: string;
  format: 'parquet' | 'jsonl';
  compression?: 'gzip' | 'zstd';
  bytes: number;
  /** Rows, when known without reading (kiln parts). */
  rows?: number;
}

const JSONL_RE = /\.(jsonl|ndjson|json)(\.(gz|zst))?$/;

function classify(file: string): Pick<InputFile, 'format' | 'compression'> | undefined {
  if (file.endsWith('.parquet')) return { format: 'parquet' };
  const m = JSONL_RE.exec(file);
  if (!m) return undefined;
  return { format: 'jsonl', compression: m[3] === 'gz' ? 'gzip' : m[3] === 'zst' ? 'zstd' : undefined };
}

/** True when `dir` is a dataset kiln wrote (has `_kiln/dataset.json`). */
export async function isKilnDataset(dir: string): Promise<boolean> {
  return fs.stat(layout.datasetJson(dir)).then((s) => s.isFile(), () => false);
}

async function kilnParts(dir: string): Promise<InputFile[]> {
  const commits = await readCommits(dir);
  const committed = new Set<string>();
  const files: InputFile[] = [];
  for (const c of commits) {
    if (!c.file) continue;
    const full = path.join(dir, c.file);
    // A manifest entry must name a file inside the dataset: never follow `../` out of it.
    if (path.dirname(full) !== path.resolve(dir) || c.file.includes('/') || c.file.includes('\\')) {
      throw new CorruptPartError(`commit record of task ${c.task} chunk ${c.chunk} names a file outside the dataset: ${c.file}`, { path: dir });
    }
    const st = await fs.stat(full).catch(() => undefined);
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

async function plainDir(dir: string): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    // Hidden files and Spark/Hadoop markers (_SUCCESS, _metadata) are not data.
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    if (e.isDirectory()) {
      out.push(...(await plainDir(full)));
      continue;
    }
    const kind = classify(e.name);
    if (!kind) throw new ForeignFileError(`not a Parquet or JSONL file: ${full} (expected .parquet, .jsonl, .jsonl.gz or .jsonl.zst)`, { path: full });
    out.push({ path: full, ...kind, bytes: (await fs.stat(full)).size });
  }
  return out;
}

/** Resolves dataset dirs, plain dirs, files and globs to the files to read, in a stable order. */
export async function listInputFiles(inputs: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const input of inputs) {
    if (isGlob(input)) {
      const matches = await expandGlob(input);
      if (matches.length === 0) throw new UsageError(`no files match ${input}`, { path: input });
      for (const m of matches) {
        const kind = classify(m);
        if (!kind) throw new ForeignFileError(`not a Parquet or JSONL file: ${m}`, { path: m });
        out.push({ path: m, ...kind, bytes: (await fs.stat(m)).size });
      }
      continue;
    }
    const st = await fs.stat(input).catch(() => undefined);
    if (!st) throw new UsageError(`input does not exist: ${input}`, { path: input });
    if (st.isDirectory()) {
      out.push(...((await isKilnDataset(input)) ? await kilnParts(input) : await plainDir(input)));
    } else {
      const kind = classify(input);
      if (!kind) throw new ForeignFileError(`not a Parquet or JSONL file: ${input}`, { path: input });
      out.push({ path: path.resolve(input), ...kind, bytes: st.size });
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

async function* readJsonl(file: InputFile, fromRow: number): AsyncGenerator<Row> {
  let stream: Readable = createReadStream(file.path);
  if (file.compression === 'gzip') stream = stream.pipe(createGunzip());
  else if (file.compression === 'zstd') stream = stream.pipe(zstdStream());
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
      yield value as Row;
    }
  } catch (err) {
    if (err instanceof CorruptInputError) throw err;
    throw new CorruptInputError(`${file.path}: cannot read (${(err as Error).message})`, { path: file.path, record: lineNo }, { cause: err });
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Rows of one input file from row `fromRow` on (0-based, counting non-empty lines for JSONL). */
export function readInputRows(file: InputFile, options: { fromRow?: number; columns?: string[] } = {}): AsyncGenerator<Row> {
  const fromRow = options.fromRow ?? 0;
  return file.format === 'parquet' ? readParquet(file.path, fromRow, options.columns) : readJsonl(file, fromRow);
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
