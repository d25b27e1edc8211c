// Phase 1: one signature record per input document, on worker threads (core's executor runs one
// task per core). Resumable at row granularity: each commit records (file, row) after fsyncing
// the signature file, and a resumed task truncates the file back to that row.
import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { CorruptInputError } from '../core/errors.js';
import { listInputFiles, readInputRows } from '../core/input-files.js';
import { planFileTasks } from '../core/plan.js';
import { defineStage, type TaskPlan } from '../core/stage.js';
import { signatureConfigSchema, type SignatureConfig } from './config.js';
import { exactHash } from './exact-hash.js';
import { MinHasher } from './minhash.js';
import { SIGNATURE_HEADER_WORDS, recordWords, signaturePath } from './signature-file.js';

/** A signature task: some input files and their positions in the whole input. */
export interface SignatureTaskPlan extends TaskPlan {
  fileIndexes: number[];
}

interface SignatureCursor {
  file: number;
  row: number;
}

// Records are written 512 at a time (~230 KiB at 112 permutations): few syscalls, little memory.
const BATCH = 512;
// A commit (fsync + commit record) every few seconds bounds what a SIGKILL throws away.
const COMMIT_EVERY_MS = 5000;

/** Plans signature tasks over the input files, remembering each file's global position. */
export async function planSignatureTasks(inputs: readonly string[], tasks?: number): Promise<SignatureTaskPlan[]> {
  const files = await listInputFiles(inputs);
  const position = new Map(files.map((f, i) => [f.path, i]));
  return planFileTasks(files, tasks).map((t) => ({ ...t, fileIndexes: t.inputs.map((f) => position.get(f.path)!) }));
}

/** The signature phase as a core stage (no parts: its output is the signature files). */
export const signatureStage = defineStage<SignatureConfig>({
  name: 'dedupe-signatures',
  module: import.meta.url,
  config: signatureConfigSchema,
  columns: () => [],
  plan: (ctx) => planSignatureTasks(ctx.inputs, ctx.tasks),
  async runTask(ctx) {
    const task = ctx.task as SignatureTaskPlan;
    const P = ctx.config.exactOnly ? 0 : ctx.config.permutations;
    const W = recordWords(P);
    const hasher = P > 0 ? new MinHasher({ ngram: ctx.config.ngram, permutations: P }) : undefined;
    const buf = new Uint32Array(BATCH * W);
    const bytes = new Uint8Array(buf.buffer);
    const start = (ctx.writer.cursor as SignatureCursor | undefined) ?? { file: 0, row: 0 };
    for (let f = start.file; f < task.inputs.length; f++) {
      const file = task.inputs[f];
      const fromRow = f === start.file ? start.row : 0;
      const path = signaturePath(ctx.out, task.fileIndexes[f]);
      const fd = openSync(path, fromRow === 0 ? 'w' : 'r+');
      try {
        ftruncateSync(fd, fromRow * W * 4);
        let row = fromRow;
        let n = 0;
        let filePos = fromRow * W * 4;
        let lastCommit = Date.now();
        let pendingBytes = 0;
        const flush = (): void => {
          if (n === 0) return;
          writeSync(fd, bytes, 0, n * W * 4, filePos);
          filePos += n * W * 4;
          n = 0;
        };
        for await (const r of readInputRows(file, { fromRow, columns: ['text'] })) {
          const text = r.text;
          if (typeof text !== 'string') throw new CorruptInputError(`${file.path}: record ${row} has no string \`text\``, { path: file.path, record: row, key: 'text' });
          const at = n * W;
          exactHash(text, buf, at);
          if (hasher) {
            buf[at + 2] = hasher.signature(text, buf.subarray(at + SIGNATURE_HEADER_WORDS, at + W));
          } else buf[at + 2] = 0;
          n++;
          row++;
          pendingBytes += text.length;
          if (n === BATCH) {
            flush();
            ctx.progress(BATCH, pendingBytes);
            pendingBytes = 0;
            if (Date.now() - lastCommit > COMMIT_EVERY_MS || ctx.signal.aborted) {
              fsyncSync(fd);
              await ctx.writer.commit({ file: f, row } satisfies SignatureCursor);
              lastCommit = Date.now();
              if (ctx.signal.aborted) return;
            }
          }
        }
        flush();
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      await ctx.writer.commit({ file: f + 1, row: 0 } satisfies SignatureCursor);
    }
  },
});
