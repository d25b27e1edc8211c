// Evaluation sets a user supplies, read into the n-gram set decontamination checks documents
// against. Formats: JSONL (one item per line; the text fields are named by `evalFields`),
// Parquet (one item per row) and plain text (one item per non-empty line); JSONL and text may
// be gzip- or zstd-compressed. Every error names the file and the line (or row) at fault.
//
// Where the line is drawn for items shorter than the n-gram size (fewer than n words):
//  - datatrove (huggingface/datatrove @ 17fe6e85, src/datatrove/pipeline/decont/n_grams.py)
//    builds only full n-grams, so such an item can never match: it is silently not checked.
//  - dolma (allenai/dolma @ 0fe98f9d, src/deduper.rs, paragraphs.by_ngram) compares a paragraph
//    with fewer than two n-grams whole, by an exact hash of the paragraph, and skips ones under
//    `min_words`.
// kiln follows dolma (shortItems: 'line', the default): a short item matches a document line
// (text between newlines) whose words are exactly the item's words; items under `minItemWords`
// words are skipped and counted. `shortItems: 'skip'` is datatrove's behaviour.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import xxhash from 'xxhash-wasm';
import type { Row } from '../core/document.js';
import { CorruptInputError, UsageError } from '../core/errors.js';
import { openDecompressed, readInputRows } from '../core/input-files.js';
import type { DecontaminateSettings, EvalFile } from './decontaminate-config.js';
import { EvalNgramSet } from './eval-ngram-set.js';
import { WordScanner, ngramKey } from './word-scanner.js';

const hasher = await xxhash();

/** The evaluation sets as decontamination uses them: the n-gram set and what each item is. */
export interface EvalIndex {
  ngrams: EvalNgramSet;
  /** Per item: index into `files`. */
  itemFile: number[];
  /** Per item: its `id` field, else `line N` / `row N`. */
  itemRef: string[];
  /** Per eval file: its label (counters, excluded rows). */
  files: string[];
  /** Word counts of the short items held (lines of other lengths need no lookup). */
  shortLengths: Set<number>;
  /** Counters of the build: items, items_short, items_skipped_short, items_empty. */
  counts: Record<string, number>;
}

type Format = { kind: 'jsonl' | 'text' | 'parquet'; compression?: 'gzip' | 'zstd' };

function formatOf(file: string): Format {
  if (file.endsWith('.parquet')) return { kind: 'parquet' };
  const m = /\.(jsonl|ndjson|json|txt)(\.(gz|zst))?$/.exec(file);
  if (!m) throw new UsageError(`eval file ${file}: expected .jsonl, .parquet or .txt (optionally .gz or .zst)`, { path: file, key: '--eval' });
  return { kind: m[1] === 'txt' ? 'text' : 'jsonl', compression: m[3] === 'gz' ? 'gzip' : m[3] === 'zst' ? 'zstd' : undefined };
}

/** Fingerprint (xxh64 of the bytes) of an eval file: part of the stage config, so a changed eval set is a changed config. */
export async function evalFingerprint(file: string): Promise<string> {
  const h = hasher.create64();
  try {
    for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  } catch (err) {
    throw new UsageError(`eval file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: file, key: '--eval' });
  }
  return `xxh64:${h.digest().toString(16).padStart(16, '0')}`;
}

/** Labels for eval files: the base name, with a number added where two files share one. */
export function evalLabels(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const base = path.basename(f);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}

interface EvalRecord {
  /** `line N` or `row N`, for errors and item refs. */
  where: string;
  texts: string[];
  id?: string;
}

async function* jsonlRecords(file: string, compression: Format['compression'], fields: readonly string[]): AsyncGenerator<EvalRecord> {
  const stream = openDecompressed({ path: file, compression });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new CorruptInputError(`eval file ${file}:${lineNo}: invalid JSON (${(err as Error).message})`, { path: file, record: lineNo });
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CorruptInputError(`eval file ${file}:${lineNo}: expected a JSON object per line`, { path: file, record: lineNo });
      yield recordOf(value as Row, fields, file, `line ${lineNo}`, `${file}:${lineNo}`);
    }
  } catch (err) {
    if (err instanceof CorruptInputError) throw err;
    throw new CorruptInputError(`eval file ${file}:${lineNo}: cannot read (${(err as Error).message})`, { path: file, record: lineNo }, { cause: err });
  } finally {
    lines.close();
    stream.destroy();
  }
}

async function* textRecords(file: string, compression: Format['compression']): AsyncGenerator<EvalRecord> {
  const stream = openDecompressed({ path: file, compression });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() !== '') yield { where: `line ${lineNo}`, texts: [line] };
    }
  } catch (err) {
    throw new CorruptInputError(`eval file ${file}:${lineNo}: cannot read (${(err as Error).message})`, { path: file, record: lineNo }, { cause: err });
  } finally {
    lines.close();
    stream.destroy();
  }
}

async function* parquetRecords(file: string, fields: readonly string[]): AsyncGenerator<EvalRecord> {
  let row = 0;
  for await (const r of readInputRows({ path: file, format: 'parquet', bytes: 0 })) {
    row++;
    yield recordOf(r, fields, file, `row ${row}`, `${file}: row ${row}`);
  }
}

// A named field holds a string or a list of strings (multiple-choice options); each string is
// checked on its own, so no n-gram spans two fields. A field that is absent or of another type is
// an error: a typo in --eval-field must not silently check nothing.
function recordOf(row: Row, fields: readonly string[], file: string, where: string, at: string): EvalRecord {
  const texts: string[] = [];
  for (const f of fields) {
    const v = row[f];
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) texts.push(...(v as string[]));
    else if (v === null) continue;
    else {
      const has = Object.keys(row).slice(0, 12).join(', ');
      throw new CorruptInputError(`eval file ${at}: field "${f}" is ${v === undefined ? 'missing' : `a ${typeof v}, not text`} (fields: ${has}); name the text fields with --eval-field`, { path: file, record: where, key: f });
    }
  }
  const id = typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : undefined;
  return { where, texts, id };
}

function records(file: string, fields: readonly string[]): AsyncGenerator<EvalRecord> {
  const f = formatOf(file);
  if (f.kind === 'parquet') return parquetRecords(file, fields);
  return f.kind === 'text' ? textRecords(file, f.compression) : jsonlRecords(file, f.compression, fields);
}

/** Reads the eval files into an EvalIndex; with `check`, refuses a file whose fingerprint changed since the run was planned. */
export async function buildEvalIndex(files: readonly EvalFile[], c: DecontaminateSettings, check = false): Promise<EvalIndex> {
  const index: EvalIndex = { ngrams: new EvalNgramSet(c.maxNgrams), itemFile: [], itemRef: [], files: files.map((f) => f.label), shortLengths: new Set(), counts: {} };
  const counts = { items: 0, items_short: 0, items_skipped_short: 0, items_empty: 0 };
  const scanner = new WordScanner(true);
  const key = new Uint32Array(2);
  const n = c.ngram;
  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi].path;
    if (check && (await evalFingerprint(file)) !== files[fi].fingerprint) {
      throw new CorruptInputError(`eval file ${file} changed since this run was planned; run again with --overwrite to decontaminate against the new version`, { path: file });
    }
    for await (const rec of records(file, c.evalFields)) {
      const item = index.itemRef.length;
      let added = false;
      for (const text of rec.texts) {
        const words = scanner.scan(text);
        if (words === 0) continue;
        if (words < n) {
          if (c.shortItems === 'skip' || words < c.minItemWords) {
            counts.items_skipped_short++;
            continue;
          }
          ngramKey(scanner, 0, words, key);
          index.ngrams.add(key[0], key[1], item, { path: file, record: rec.where });
          index.shortLengths.add(words);
          counts.items_short++;
          added = true;
          continue;
        }
        for (let s = 0; s + n <= words; s++) {
          ngramKey(scanner, s, n, key);
          index.ngrams.add(key[0], key[1], item, { path: file, record: rec.where });
        }
        added = true;
      }
      if (!added) {
        if (rec.texts.every((t) => scanner.scan(t) === 0)) counts.items_empty++;
        continue;
      }
      counts.items++;
      index.itemFile.push(fi);
      index.itemRef.push(rec.id ?? rec.where);
    }
  }
  index.counts = { ...counts, ngrams: index.ngrams.size };
  return index;
}
