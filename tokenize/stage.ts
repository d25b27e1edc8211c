// The tokenize stage: documents in, `{id, tokens}` rows out, exactly the tokenizer's ids (no
// BOS/EOS; shard adds separators). It runs inline with its own encode pool rather than one
// runner worker per task: the runner starts a fresh thread per task, which would load the
// tokenizer (0.3-1 s, tens of MB) once per task instead of once per core.
import path from 'node:path';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { ColumnSpec } from '../core/columns.js';
import { readDone } from '../core/dataset-manifest.js';
import { CorruptInputError } from '../core/errors.js';
import { listInputFiles, readInputRows } from '../core/input-files.js';
import { planFileTasks } from '../core/plan.js';
import type { RowCursor } from '../core/run-task.js';
import { defineStage, type TaskContext } from '../core/stage.js';
import { isBuiltin } from './builtin.js';
import { EncodePool } from './encode-pool.js';
import { recordTokenizer, readTokenizerInfo } from './tokenizer-record.js';

/** Config of the tokenize stage. */
export const tokenizeConfigSchema = z.object({
  /** Built-in name (gpt2, cl100k_base, o200k_base) or path of a tokenizer.json / .tiktoken. */
  tokenizer: z.string().min(1).default('gpt2'),
  /** Column holding the text. */
  textField: z.string().min(1).default('text'),
  /** Column holding the document id. */
  idField: z.string().min(1).default('id'),
  /** UTF-16 units of text per batch sent to a worker. */
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

let encodeWorkers = os.availableParallelism();
let shared: { key: string; pool: EncodePool } | undefined;

/** Sets how many encode workers later tokenize runs in this process use (default: one per core). */
export function setEncodeWorkers(n: number): void {
  encodeWorkers = Math.max(1, Math.floor(n));
}

/** The process-wide pool for `tokenizer`, so consecutive tasks reuse loaded workers. */
function poolFor(tokenizer: string): EncodePool {
  const key = `${tokenizer}\u0000${encodeWorkers}`;
  if (shared?.key !== key || !shared.pool.healthy) {
    void shared?.pool.close();
    shared = { key, pool: new EncodePool(tokenizer, encodeWorkers) };
  }
  return shared.pool;
}

/** Stops the shared encode workers (idle workers never keep the process alive; tests call this). */
export async function closeEncodePool(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.pool.close();
}

/** Resolves a tokenizer config value: file paths become absolute so workers and resumes agree. */
export function resolveTokenizerSpec(spec: string): string {
  return !isBuiltin(spec) && existsSync(spec) ? path.resolve(spec) : spec;
}

interface Batch {
  ids: string[];
  result: Promise<Uint32Array[]>;
  /** Input position after the batch's last row. */
  cursor: RowCursor;
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
  // Memory bound: at most 8 batches per worker in flight (8 x batchChars x workers of text,
  // ~4 MiB per worker by default): deep enough that the workers stay busy while this thread
  // encodes a part (~0.1-0.3 s for a 16 MiB chunk).
  const depth = pool.size * 8;
  const inFlight: Batch[] = [];
  let sinceCommit = 0;

  const drainOne = async (): Promise<void> => {
    const b = inFlight.shift()!;
    const tokens = await b.result;
    let n = 0;
    for (let i = 0; i < tokens.length; i++) {
      writer.push({ id: b.ids[i], tokens: tokens[i] });
      n += tokens[i].length;
    }
    stats.inc('documents', tokens.length);
    stats.inc('tokens', n);
    sinceCommit += tokens.length;
    if (writer.shouldCommit() || (config.commitDocuments !== undefined && sinceCommit >= config.commitDocuments)) {
      await recorded;
      await writer.commit(b.cursor);
      sinceCommit = 0;
    }
  };

  let ids: string[] = [];
  let texts: string[] = [];
  let chars = 0;
  const position: RowCursor = { ...start };
  const submit = (): void => {
    const result = pool.encode(texts);
    // Awaited in order by drainOne; if an earlier batch fails the task stops and this one's
    // rejection must not surface as unhandled.
    result.catch(() => undefined);
    inFlight.push({ ids, result, cursor: { ...position } });
    ids = [];
    texts = [];
    chars = 0;
  };

  outer: for (let f = start.file; f < inputs.length; f++) {
    position.file = f;
    position.row = f === start.file ? start.row : 0;
    const file = inputs[f];
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
        if (inFlight.length >= depth) await drainOne();
      }
    }
  }
  const finished = !ctx.signal.aborted;
  if (finished) {
    position.file = inputs.length;
    position.row = 0;
  }
  if (texts.length > 0) submit();
  while (inFlight.length > 0) await drainOne();
  await recorded;
  await writer.commit(finished ? { file: inputs.length, row: 0 } : { ...position });
}

/** The tokenize stage (`kiln tokenize`). */
export const tokenizeStage = defineStage<TokenizeConfig>({
  name: 'tokenize',
  module: import.meta.url,
  config: tokenizeConfigSchema,
  columns: () => TOKENS_COLUMNS,
  inline: true,
  // Parts of ~16 MiB of token data (the core default is 32 MiB): Parquet encoding runs on this
  // thread, and smaller parts let it overlap with the encode workers instead of following them.
  chunk: { bytes: 16 * 1024 * 1024 },
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
