// `kiln tokenizer train`: byte-level BPE on a documents dataset, saved as tokenizer.json.
import { writeFileAtomic } from '../core/atomic-file.js';
import { readDocuments } from '../core/input-files.js';
import { countPieces, trainByteLevelBpe, type BpeTrainOptions } from './bpe-trainer.js';
import { toTokenizerJson } from './tokenizer-json.js';

/** What a training run did. */
export interface TokenizerTrainSummary {
  out: string;
  vocabSize: number;
  merges: number;
  documents: number;
  bytes: number;
  distinctPieces: number;
  seconds: number;
}

/** Trains a byte-level BPE tokenizer on the documents of `inputs` and writes tokenizer.json to `out`. */
export async function trainTokenizer(inputs: readonly string[], out: string, options: BpeTrainOptions): Promise<TokenizerTrainSummary> {
  const started = performance.now();
  const counts = new Map<string, number>();
  let documents = 0;
  let bytes = 0;
  for await (const doc of readDocuments(inputs)) {
    countPieces(doc.text, counts);
    documents++;
    bytes += doc.text.length;
  }
  const model = trainByteLevelBpe(counts, options);
  await writeFileAtomic(out, toTokenizerJson(model));
  return {
    out,
    vocabSize: model.tokens.length + model.specials.length,
    merges: model.merges.length,
    documents,
    bytes,
    distinctPieces: counts.size,
    seconds: (performance.now() - started) / 1000,
  };
}
