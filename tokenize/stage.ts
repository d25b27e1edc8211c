// The tokenize stage: documents in, `{id, tokens}` rows out, exactly the tokenizer's ids (no
// BOS/EOS; shard adds separators). It runs inline with its own encode pool rather than one
// runner worker per task: the runner starts a fresh thread per task, which would load the
// tokenizer (0.3-1 s, tens of MB) once per task instead of once per core.
import path from 'node:path';
import { z } from 'zod';
import { readDone } from '../core/dataset-manifest.js';
import { CorruptInputError } from '../core/errors.js';
import { listInputFiles, readInputRows, type InputFile } from '../core/input-files.js';
import { planFileTasks } from '../core/plan.js';
import type { RowCursor } from '../core/run-task.js';
import { defineStage, type TaskContext } from '../core/stage.js';
import { JsonlBatchError } from './jsonl-documents.js';
import type { EncodedPartResult, PartInput } from './encode-pool.js';
import { countLineBreaks, jsonlLineBatches } from './jsonl-line-batches.js';
import { poolFor, resolveTokenizerSpec } from './shared-pool.js';
import { recordTokenizer, readTokenizerInfo } from './tokenizer-record.js';
import { TOKENS_COLUMNS } from './tokens-columns.js';

export { closeEncodePool, resolveTokenizerSpec, setEncodeWorkers } from './shared-pool.js';

/** Config of the tokenize stage. */
export const tokenizeConfigSchema = z.object({
  /** Built-in name (gpt2, cl100k_base, o200k_base) or path of a tokenizer.json / .tiktoken. */
  tokenizer: z.string().min(1).default('gpt2'),
  /** Column holding the text. */
  textField: z.string().min(1).default('text'),
  /** Column holding the document id. */
  idField: z.string().min(1).default('id'),
  /** Input per output part (one worker job): bytes of lines for plain JSONL, UTF-16 units of text otherwise. */
  partBytes: z.number().int().positive().default(4 << 20),
  /** A part also ends after this many documents (input lines for plain JSONL): bounds the work a kill loses. */
  partDocuments: z.number().int().positive().optional(),
});
/** A validated tokenize config. */
export type TokenizeConfig = z.infer<typeof tokenizeConfigSchema>;

const TASK_BYTES = 512 * 1024 * 1024;

interface Job {
  /** Index of the input file the job's documents came from. */
  file: number;
  result: Promise<EncodedPartResult>;
  /** Set once `result` settled, so finished parts are committed without waiting. */
  settled: boolean;
  /** Input position after the job's last row; undefined for raw JSONL jobs, whose rows the worker counts. */
  cursor?: RowCursor;
  /** Input bytes of the job (UTF-16 units of text for rows): reported as its worker encodes them, the rest once committed. */
  size: number;
  /** Bytes of `size` already reported as progress. */
  reported: number;
}

/**
 * Plain JSONL read from its start goes to the workers as raw lines, parsed there in parallel
 * (see jsonl-line-batches.ts); compressed files, Parquet and resumes in mid-file go through
 * core's row reader.
 */
function rawJsonl(file: InputFile, fromRow: number): boolean {
  return file.format === 'jsonl' && file.compression === undefined && fromRow === 0;
}

/**
 * One task: this thread reads the input and cuts it into jobs of ~partBytes; each job goes to an
 * encode worker, which tokenizes it and encodes the Parquet part; parts come back in order
 * and are committed here (file, then commit record with the input cursor after them).
 */
async function runTokenizeTask(ctx: TaskContext<TokenizeConfig>): Promise<void> {
  const { config, writer, stats, task } = ctx;
  const source = resolveTokenizerSpec(config.tokenizer);
  const pool = poolFor(source);
  // Reading starts while the workers load the tokenizer; it is recorded before the first commit.
  const recorded = pool.info.then((info) => recordTokenizer(ctx.out, info, source));
  recorded.catch(() => undefined);
  const start = (writer.cursor as RowCursor | undefined) ?? { file: 0, row: 0 };
  const inputs = task.inputs;
  // Memory bound: two jobs per worker in flight (one running, one queued), each ~partBytes of
  // input (4 MiB: ~60 MB of strings, tokens and Parquet buffers while a worker encodes it).
  const depth = pool.size * 2;
  const inFlight: Job[] = [];
  // Where the committed output ends in the input: rows of raw JSONL jobs are known only once
  // their worker parsed them, so cursors are counted here as parts commit, in order.
  const written: RowCursor & { lines: number } = { ...start, lines: 0 };

  const commitOne = async (): Promise<void> => {
    const job = inFlight.shift()!;
    if (job.file !== written.file) {
      written.file = job.file;
      written.row = 0;
      written.lines = 0;
    }
    let part: EncodedPartResult;
    try {
      part = await job.result;
    } catch (err) {
      if (err instanceof JsonlBatchError) {
        const file = inputs[job.file].path;
        const line = written.lines + err.line;
        throw new CorruptInputError(`${file}:${line}: ${err.message}`, { path: file, record: line, key: err.key });
      }
      throw err;
    }
    if (job.cursor) {
      written.row = job.cursor.row;
    } else {
      written.row += part.rows;
      written.lines += part.lines ?? 0;
    }
    stats.inc('documents', part.rows);
    stats.inc('tokens', part.tokens);
    await recorded;
    await writer.commitPart(part, { file: written.file, row: written.row });
    ctx.progress(part.rows, job.size - job.reported);
  };

  /** Sends one part to the pool; its bytes count as progress while a worker encodes it. */
  const submit = async (file: number, input: PartInput, size: number, cursor?: RowCursor): Promise<void> => {
    const job: Omit<Job, 'result'> = { file, cursor, size, reported: 0, settled: false };
    const onEncoded = (done: number): void => {
      const bytes = Math.floor(done * size) - job.reported;
      if (bytes <= 0) return;
      job.reported += bytes;
      ctx.progress(0, bytes);
    };
    const tracked: Job = Object.assign(job, { result: pool.encodePart(input, onEncoded) });
    // Awaited in order by commitOne; if an earlier job fails the task stops and this one's
    // rejection must not surface as unhandled.
    tracked.result.then(
      () => { tracked.settled = true; },
      () => { tracked.settled = true; },
    );
    inFlight.push(tracked);
    while (inFlight.length > 0 && (inFlight.length >= depth || inFlight[0].settled)) await commitOne();
  };

  let ids: string[] = [];
  let texts: string[] = [];
  let chars = 0;
  const position: RowCursor = { ...start };
  const submitRows = async (): Promise<void> => {
    const input = { ids, texts };
    const size = chars;
    ids = [];
    texts = [];
    chars = 0;
    await submit(position.file, input, size, { ...position });
  };
  const maxDocs = config.partDocuments ?? Infinity;

  outer: for (let f = start.file; f < inputs.length; f++) {
    position.file = f;
    position.row = f === start.file ? start.row : 0;
    const file = inputs[f];
    if (rawJsonl(file, position.row)) {
      const place = { source: file.source ?? path.basename(file.path), firstLine: 1 };
      for await (const lines of jsonlLineBatches(file.path, config.partBytes, maxDocs)) {
        if (ctx.signal.aborted) break outer;
        const at = { ...place };
        // Counted before the batch is sent: its buffer moves to the worker (lines.length is 0 after).
        place.firstLine += countLineBreaks(lines);
        await submit(f, { jsonl: lines, idField: config.idField, textField: config.textField, place: at }, lines.length);
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
      if (chars >= config.partBytes || texts.length >= maxDocs) await submitRows();
    }
    if (texts.length > 0) await submitRows();
  }
  const finished = !ctx.signal.aborted;
  if (texts.length > 0) await submitRows();
  while (inFlight.length > 0) await commitOne();
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
