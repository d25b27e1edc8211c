// Dedupe's output keeps every input column. Parquet and JSONL inputs carry no schema kiln can
// use directly (JSONL has none; Parquet types map only partly onto ColumnSpec), so the schema is
// inferred from a sample of the first input file; values that do not fit a column's type are
// written as JSON text (nested metadata objects) or null.
import type { ColumnSpec } from '../core/columns.js';
import type { Row } from '../core/document.js';
import { readInputRows, type InputFile } from '../core/input-files.js';

// Enough rows to see optional fields, few enough to cost nothing next to the run.
const SAMPLE_ROWS = 1000;

type Seen = 'string' | 'integer' | 'float' | 'bool' | 'intlist' | 'json' | 'null';

function kindOf(v: unknown): Seen {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'boolean') return 'bool';
  if ((Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x) && Math.abs(x) < 2 ** 31)) || v instanceof Int32Array) return 'intlist';
  return 'json';
}

function merge(a: Seen | undefined, b: Seen): Seen {
  if (a === undefined || a === 'null') return b;
  if (b === 'null' || a === b) return a;
  if ((a === 'integer' && b === 'float') || (a === 'float' && b === 'integer')) return 'float';
  return 'json';
}

/** A column of the output and how its values are converted. */
export interface OutputColumn extends ColumnSpec {
  /** Values are written as JSON text (nested or mixed-type inputs). */
  json?: boolean;
}

/** Infers the output columns from the first input file's first rows: id, text, url first. */
export async function inferColumns(files: readonly InputFile[]): Promise<OutputColumn[]> {
  const seen = new Map<string, Seen>();
  if (files.length > 0) {
    let n = 0;
    for await (const row of readInputRows(files[0])) {
      for (const [k, v] of Object.entries(row)) seen.set(k, merge(seen.get(k), kindOf(v)));
      if (++n >= SAMPLE_ROWS) break;
    }
  }
  const out: OutputColumn[] = [
    { name: 'id', type: 'string' },
    { name: 'text', type: 'string' },
    { name: 'url', type: 'string', nullable: true },
  ];
  for (const [name, kind] of seen) {
    if (name === 'id' || name === 'text' || name === 'url') continue;
    switch (kind) {
      case 'string': case 'null': out.push({ name, type: 'string', nullable: true }); break;
      case 'integer': out.push({ name, type: 'int64', nullable: true }); break;
      case 'float': out.push({ name, type: 'float64', nullable: true }); break;
      case 'bool': out.push({ name, type: 'bool', nullable: true }); break;
      case 'intlist': out.push({ name, type: 'int32[]', nullable: true }); break;
      case 'json': out.push({ name, type: 'string', nullable: true, json: true }); break;
    }
  }
  return out;
}

function convert(col: OutputColumn, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (col.json) return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
  switch (col.type) {
    case 'string': return typeof v === 'string' ? v : JSON.stringify(v);
    case 'int32': case 'int64': case 'float64': return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : null;
    case 'bool': return typeof v === 'boolean' ? v : null;
    case 'int32[]': return Array.isArray(v) || ArrayBuffer.isView(v) ? v : null;
  }
}

/** The row as the output schema wants it (id as a string, every column present). */
export function conformRow(columns: readonly OutputColumn[], row: Row): Row {
  const out: Row = {};
  for (const col of columns) out[col.name] = col.name === 'id' ? String(row.id) : convert(col, row[col.name]);
  return out;
}
