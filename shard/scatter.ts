// Pass 1 of the global shuffle: every document (each mixture copy of it) goes to a bucket file
// chosen by a seeded hash of its id. Sequential reads, appending writes, memory = write buffers.
import type { InputFile } from '../core/input-files.js';
import { CorruptInputError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { SplitName } from '../core/shard-index.js';
import { BucketWriter } from './bucket-store.js';
import { bucketOf, copiesOf, splitOf } from './split-assignment.js';
import { readTokenDocs } from './token-doc-reader.js';

/** One input file and the mixture component it belongs to. */
export interface ScatterInput {
  file: InputFile;
  input: number;
  weight: number;
}

export interface ScatterOptions {
  dir: string;
  buckets: number;
  tokenBytes: 2 | 4;
  seed: number;
  valFraction: number;
  tokensColumn: string;
  /** Token ids must be below this (vocab size, or 2^16 / 2^32 by dtype). */
  tokenLimit: number;
  log: Logger;
  signal?: AbortSignal;
}

export interface ScatterResult {
  documents: Record<SplitName, number>;
  copies: Record<SplitName, number>;
  tokens: Record<SplitName, number>;
  empty: number;
  maxToken: number;
}

/** Reads every input once and writes its documents into bucket files under `dir`. */
export async function scatter(inputs: readonly ScatterInput[], opts: ScatterOptions): Promise<ScatterResult> {
  const writer = new BucketWriter(opts.dir, opts.buckets, opts.tokenBytes);
  const result: ScatterResult = { documents: { train: 0, val: 0 }, copies: { train: 0, val: 0 }, tokens: { train: 0, val: 0 }, empty: 0, maxToken: -1 };
  try {
    for (const { file, input, weight } of inputs) {
      let records = 0;
      for await (const { id, tokens, record } of readTokenDocs(file, opts.tokensColumn)) {
        opts.signal?.throwIfAborted();
        records++;
        // Typed arrays hold integers already; only their range needs checking (one cheap pass).
        const typed = ArrayBuffer.isView(tokens);
        let max = -1;
        let min = 0;
        for (let i = 0; i < tokens.length; i++) {
          const t = tokens[i];
          if (t > max) max = t;
          if (t < min) min = t;
        }
        if (min < 0 || max >= opts.tokenLimit || (!typed && !Array.prototype.every.call(tokens, (t: unknown) => Number.isInteger(t)))) {
          const i = Array.prototype.findIndex.call(tokens, (t: number) => !(Number.isInteger(t) && t >= 0 && t < opts.tokenLimit));
          throw new CorruptInputError(`${file.path}: record ${record} (id ${id}) has token ${tokens[i]} at position ${i}, outside [0, ${opts.tokenLimit})`, { path: file.path, record, key: opts.tokensColumn });
        }
        if (tokens.length === 0) {
          result.empty++;
          continue;
        }
        if (max > result.maxToken) result.maxToken = max;
        const split = splitOf(id, opts.seed, opts.valFraction);
        const copies = copiesOf(id, opts.seed, input, weight);
        result.documents[split]++;
        for (let c = 0; c < copies; c++) {
          writer.add(split, bucketOf(id, opts.seed, input, c, opts.buckets), tokens, id);
          result.copies[split]++;
          result.tokens[split] += tokens.length;
        }
      }
      opts.log.info('shard_scatter_file', { file: file.path, records });
    }
  } finally {
    writer.close();
  }
  return result;
}
