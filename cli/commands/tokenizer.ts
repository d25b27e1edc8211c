import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { intOption } from '../number-option.js';
import { printJson, printTable } from '../print.js';

interface TrainOptions {
  in: string[];
  vocabSize: string;
  out: string;
  special: string[];
  minFrequency: string;
  allowPartial?: boolean;
  json?: boolean;
}

/** `kiln tokenizer train --in DIR --vocab-size N --out tokenizer.json [--special ...]`. */
export function register(program: Command): void {
  const tokenizer = program.command('tokenizer').description('tokenizer tools');
  tokenizer
    .command('train')
    .description('train a byte-level BPE tokenizer on a documents dataset; writes a HF tokenizer.json')
    .requiredOption('--in <dirs...>', 'documents datasets, folders, files or globs')
    .requiredOption('--vocab-size <n>', 'vocabulary size, special tokens included')
    .requiredOption('--out <file>', 'tokenizer.json to write')
    .option('--allow-partial', 'read input kiln datasets whose run has not finished (default: refused)')
    .option('--special <tokens...>', 'special tokens, given the last ids (<|endoftext|>, </s> or <eos> becomes the EOS id)', ['<|endoftext|>'])
    .option('--min-frequency <n>', 'never merge pairs seen fewer times', '2')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (opts: TrainOptions) => {
      const vocabSize = Number(opts.vocabSize);
      if (!Number.isInteger(vocabSize) || vocabSize < 256 + opts.special.length) {
        throw new UsageError(`--vocab-size must be an integer >= ${256 + opts.special.length} (256 bytes + special tokens), got "${opts.vocabSize}"`, { key: '--vocab-size' });
      }
      const minFrequency = intOption(opts.minFrequency, '--min-frequency')!;
      if (!opts.allowPartial) {
        const { requireFinishedInputs } = await import('../../core/input-finished.js');
        await requireFinishedInputs(opts.in);
      }
      const { trainTokenizer } = await import('../../tokenize/train.js');
      const trained = await trainTokenizer(opts.in, opts.out, { vocabSize, specialTokens: opts.special, minFrequency });
      // A smaller vocabulary than asked is a valid tokenizer, but never a silent one.
      const shortfall =
        trained.vocabSize < vocabSize
          ? `vocabulary is ${trained.vocabSize}, not ${vocabSize}: the corpus is too small, no pair is left that occurs at least --min-frequency ${minFrequency} times`
          : undefined;
      if (shortfall) process.stderr.write(`kiln: ${shortfall}\n`);
      const summary = { ...trained, requestedVocabSize: vocabSize, ...(shortfall ? { shortfall } : {}) };
      if (opts.json) return printJson(summary);
      printTable(['out', 'vocab', 'merges', 'documents', 'seconds'], [[summary.out, summary.vocabSize, summary.merges, summary.documents, Number(summary.seconds.toFixed(2))]]);
    });
}
