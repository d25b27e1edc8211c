// Reads (id, tokens) documents from a token dataset file. Parquet goes through parquet-wasm into
// Arrow, so a document's tokens arrive as an Int32Array view into the decoded column, one row
// group at a time: 2.8x faster than materialising JS number arrays (25M tokens: 0.9 s vs 2.5 s
// here) and no per-token garbage. Other inputs (JSONL, odd Parquet types) use core's row reader.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Data, type DataType, tableFromIPC } from 'apache-arrow';
import { CorruptInputError } from '../core/errors.js';
import { type InputFile, readInputRows } from '../core/input-files.js';
import { parquetInfo } from '../core/parquet-read.js';

type ParquetWasm = typeof import('parquet-wasm/node');
const parquet: ParquetWasm = createRequire(import.meta.url)('parquet-wasm/node');

/** Files above this are streamed with the row reader instead: the wasm path holds the file in memory. */
const WASM_FILE_LIMIT = 512 * 1024 * 1024;

export interface TokenDoc {
  id: string;
  tokens: ArrayLike<number>;
  /** Row number in the file (for error messages). */
  record: number;
}

function fail(file: string, record: number, key: string, what: string): never {
  throw new CorruptInputError(`${file}: record ${record} ${what}`, { path: file, record, key });
}

function* arrowDocs(file: string, bytes: Uint8Array, rowGroup: number, column: string, firstRecord: number): Generator<TokenDoc> {
  const table = tableFromIPC(parquet.readParquet(bytes, { rowGroups: [rowGroup], columns: ['id', column] }).intoIPCStream());
  const ids = table.getChild('id');
  const lists = table.getChild(column);
  if (!ids) fail(file, firstRecord, 'id', 'has no `id` column');
  if (!lists) fail(file, firstRecord, column, `has no \`${column}\` column`);
  let record = firstRecord;
  let row = 0;
  for (const data of lists.data as Data<DataType>[]) {
    const offsets = data.valueOffsets as Int32Array | undefined;
    const child = data.children[0];
    const values = child?.values as Int32Array | Uint32Array | Uint16Array | undefined;
    if (!offsets || !values || !(values instanceof Int32Array || values instanceof Uint32Array || values instanceof Uint16Array)) {
      fail(file, record, column, `\`${column}\` is not a list of 32-bit integers`);
    }
    for (let i = 0; i < data.length; i++, row++, record++) {
      if (!data.getValid(i)) fail(file, record, column, `has a null \`${column}\``);
      const j = data.offset + i;
      const id = ids.get(row);
      if (id === null || id === undefined) fail(file, record, 'id', 'has no `id`');
      yield { id: String(id), tokens: values.subarray(child.offset + offsets[j], child.offset + offsets[j + 1]), record };
    }
  }
}

/** Documents of one token dataset file, in file order. */
export async function* readTokenDocs(file: InputFile, column: string): AsyncGenerator<TokenDoc> {
  if (file.format === 'parquet' && file.bytes <= WASM_FILE_LIMIT) {
    const groups = (await parquetInfo(file.path)).rowGroups;
    const bytes = readFileSync(file.path);
    let record = 0;
    for (let g = 0; g < groups.length; g++) {
      yield* arrowDocs(file.path, bytes, g, column, record);
      record += groups[g];
    }
    return;
  }
  let record = 0;
  for await (const row of readInputRows(file, { columns: ['id', column] })) {
    const id = row.id;
    if (typeof id !== 'string' && typeof id !== 'number') fail(file.path, record, 'id', 'has no string `id`');
    const tokens = row[column];
    if (!Array.isArray(tokens) && !(ArrayBuffer.isView(tokens) && !(tokens instanceof DataView))) fail(file.path, record, column, `has no \`${column}\` list of token ids`);
    yield { id: String(id), tokens: tokens as ArrayLike<number>, record: record++ };
  }
}
