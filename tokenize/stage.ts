// The tokenize stage: documents in, `{id, tokens}` rows out, exactly the tokenizer's ids (no
// BOS/EOS; shard adds separators). It runs inline with its own encode pool rather than one
// runner worker per task: the runner starts a fresh thread per task, which would load the
// tokenizer (0.3-1 s, tens of MB) once per task instead of once per core.
import { z } from 'zod';
import type { ColumnSpec } from '../core/columns.js';
import { readDone } from '../core/dataset-manifest.js';
import { CorruptInputError } from '../core/errors.js';
import { listInputFiles, readInputRows, type InputFile } from '../core/input-files.js';
import { planFileTasks } from '../core/plan.js';
import type { RowCursor } from '../core/run-task.js';
import { defineStage, type TaskContext } from '../core/stage.js';
import { JsonlBatchError } from './jsonl-documents.js';
import { jsonlLineBatches } from './jsonl-line-batches.js';
import { poolFor, resolveTokenizerSpec } from './shared-pool.js';
import { recordTokenizer, readTokenizerInfo } from './tokenizer-record.js';

export { closeEncodePool, resolveTokenizerSpec, setEncodeWorkers } from './shared-pool.js';

/** Config of the tokenize stage. */
export const tokenizeConfigSchema = z.object({
  /** Built-in name (gpt2, cl100k_base, o200k_base) or path of a tokenizer.json / .tiktoken. */
  tokenizer: z.string().min(1).default('gpt2'),
  /** Column holding the text. */
  textField: z.string().min(1).default('text'),
  /** Column holding the document id. */
  idField: z.string().min(1).default('id'),
  /** Size of a batch sent to a worker: UTF-16 units of text, or bytes of lines for plain JSONL. */
  batchChars: z.number().int().positive().default(1 << 18),
  /** Also commit after this many documents (bounds the work a kill loses); default: by size only. */
  commitDocuments: z.number().int().positive().optional(),
});
/** A validated tokenize config. */
export type TokenizeConfig = z.infer<typeof tokenizeConfigSchema>;

/** Output columns of a tokens dataset. */
export const TOKENS_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'string' },
  { name: 'tokens', type: 'int32[]' },
];

const TASK_BYTES = 512 * 1024 * 1024;

interface Batch {
  /** Index of the input file the batch came from. */
  file: number;
  result: Promise<{ ids: string[]; tokens: Uint32Array[]; lines?: number }>;
  /** Set once `result` settled, so the reader can write finished batches without waiting. */
  settled: boolean;
  /** Input position after the batch's last row; undefined for raw JSONL batches, whose rows are counted by the worker. */
  cursor?: RowCursor;
  /** Bytes of a raw JSONL batch, reported as progress once written (rows read here report as they are read). */
  size: number;
}

/**
 * Plain JSONL read from its start goes to the workers as raw lines, parsed there in parallel
 * (see jsonl-line-batches.ts); compressed files, Parquet and resumes in mid-file go through
 * core's row reader.
 */
function rawJsonl(file: InputFile, fromRow: number): boolean {
  return file.format === 'jsonl' && file.compression === undefined && fromRow === 0;
}

async function runTokenizeTask(ctx: TaskContext<TokenizeConfig>): Promise<void> {
  const { config, writer, stats, task } = ctx;
  const source = resolveTokenizerSpec(config.tokenizer);
  const pool = poolFor(source);
  // Reading starts while the workers load the tokenizer; it is recorded before the first commit.
  const recorded = pool.info.then((info) => recordTokenizer(ctx.out, info, source));
  recorded.catch(() => undefined);
  const start = (writer.cursor as RowCursor | undefined) ?? { file: 0, row: 0 };
  const inputs = task.inputs;
  // Memory bound: at most 32 batches per worker in flight (32 x batchChars UTF-16 units, or
  // bytes for raw JSONL, per worker: ~8-24 MiB per worker by default): deep enough that the
  // workers stay busy while this thread reads and encodes a part.
  const depth = pool.size * 32;
  const inFlight: Batch[] = [];
  let sinceCommit = 0;
  // Where the written output ends in the input: rows of raw JSONL batches are known only once
  // their worker parsed them, so cursors are counted here as batches are written, in order.
  const written: RowCursor & { lines: number } = { ...start, lines: 0 };

  const drainOne = async (): Promise<void> => {
    const b = inFlight.shift()!;
    if (b.file !== written.file) {
      written.file = b.file;
      written.row = 0;
      written.lines = 0;
    }
    let res: Awaited<Batch['result']>;
    try {
      res = await b.result;
    } catch (err) {
      if (err instanceof JsonlBatchError) {
        const file = inputs[b.file].path;
        const line = written.lines + err.line;
        throw new CorruptInputError(`${file}:${line}: ${err.message}`, { path: file, record: line, key: err.key });
      }
      throw err;
    }
    const { ids, tokens } = res;
    let n = 0;
    for (let i = 0; i < tokens.length; i++) {
      writer.push({ id: ids[i], tokens: tokens[i] });
      n += tokens[i].length;
    }
    if (b.cursor) {
      written.row = b.cursor.row;
    } else {
      written.row += tokens.length;
      written.lines += res.lines ?? 0;
      ctx.progress(tokens.length, b.size);
    }
    stats.inc('documents', tokens.length);
    stats.inc('tokens', n);
    sinceCommit += tokens.length;
    if (writer.shouldCommit() || (config.commitDocuments !== undefined && sinceCommit >= config.commitDocuments)) {
      await recorded;
      await writer.commit({ file: written.file, row: written.row });
      sinceCommit = 0;
    }
  };

  const track = (batch: Batch): void => {
    // Awaited in order by drainOne; if an earlier batch fails the task stops and this one's
    // rejection must not surface as unhandled.
    batch.result.then(
      () => { batch.settled = true; },
      () => { batch.settled = true; },
    );
    inFlight.push(batch);
  };
  // Write finished batches as soon as they arrive, not only when the queue is full: the
  // Parquet encoding then overlaps the workers instead of piling up after the last batch.
  const drainReady = async (): Promise<void> => {
    while (inFlight.length > 0 && (inFlight.length >= depth || inFlight[0].settled)) await drainOne();
  };

  let ids: string[] = [];
  let texts: string[] = [];
  let chars = 0;
  const position: RowCursor = { ...start };
  const submit = (): void => {
    const batchIds = ids;
    track({ file: position.file, result: pool.encode(texts).then((tokens) => ({ ids: batchIds, tokens })), settled: false, cursor: { ...position }, size: chars });
    ids = [];
    texts = [];
    chars = 0;
  };

  outer: for (let f = start.file; f < inputs.length; f++) {
    position.file = f;
    position.row = f === start.file ? start.row : 0;
    const file = inputs[f];
    if (rawJsonl(file, position.row)) {
      for await (const lines of jsonlLineBatches(file.path, config.batchChars)) {
        if (ctx.signal.aborted) break outer;
        track({ file: f, result: pool.encodeJsonl(lines, config.idField, config.textField), settled: false, size: lines.length });
        await drainReady();
      }
      continue;
    }
    for await (const row of readInputRows(file, { fromRow: position.row, columns: [config.idField, config.textField] })) {
      if (ctx.signal.aborted) break outer;
      const text = row[config.textField];
      let id = row[config.idField];
      if (typeof text !== 'string') {
        throw new CorruptInputError(`${file.path}: row ${position.row} has no string \`${config.textField}\``, { path: file.path, record: position.row, key: config.textField });
      }
      if (typeof id === 'number' || typeof id === 'bigint') id = String(id);
      if (typeof id !== 'string') {
        throw new CorruptInputError(`${file.path}: row ${position.row} has no string \`${config.idField}\``, { path: file.path, record: position.row, key: config.idField });
      }
      ids.push(id);
      texts.push(text);
      chars += text.length;
      position.row++;
      ctx.progress(1, text.length);
      if (chars >= config.batchChars) {
        submit();
        await drainReady();
      }
    }
    if (texts.length > 0) submit();
  }
  const finished = !ctx.signal.aborted;
  if (texts.length > 0) submit();
  while (inFlight.length > 0) await drainOne();
  await recorded;
  await writer.commit(finished ? { file: inputs.length, row: 0 } : { file: written.file, row: written.row });
}

/** The tokenize stage (`kiln tokenize`). */
export const tokenizeStage = defineStage<TokenizeConfig>({
  name: 'tokenize',
  module: import.meta.url,
  config: tokenizeConfigSchema,
  columns: () => TOKENS_COLUMNS,
  inline: true,
  // Parts of ~8 MiB of token data (~2 M tokens): Parquet encoding runs on this thread, and parts
  // written as batches arrive overlap it with the encode workers; only the last part follows
  // them (16 MiB parts measured no faster, 4 MiB no faster either and twice the files).
  chunk: { bytes: 8 * 1024 * 1024 },
  // Tokenizing is cheap per byte and every task boundary drains the encode pool, so tasks are
  // larger than the core default (~128 MB): ~512 MB of input each unless --tasks says otherwise.
  plan: async ({ inputs, tasks }) => {
    const files = await listInputFiles(inputs);
    const bytes = files.reduce((s, f) => s + f.bytes, 0);
    return planFileTasks(files, tasks ?? Math.max(1, Math.ceil(bytes / TASK_BYTES)));
  },
  runTask: runTokenizeTask,
  finalize: async ({ out, tasks }) => {
    const markers = await Promise.all(tasks.map((t) => readDone(out, t.index)));
    return { tokenizer: await readTokenizerInfo(out), tokensPerTask: markers.map((m) => m?.stats.tokens ?? 0) };
  },
});
