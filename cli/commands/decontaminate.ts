import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { intOption } from '../number-option.js';
import { printJson, printTable } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';
import { onOutputWait } from '../output-wait.js';

interface DecontaminateFlags {
  in: string[];
  eval: string[];
  out: string;
  ngram: string;
  field: string;
  evalField: string[];
  mode: string;
  maskWith: string;
  shortItems: string;
  minItemWords: string;
  maxNgrams: string;
  workers?: string;
  tasks?: string;
  overwrite?: boolean;
  wait?: boolean;
  allowPartial?: boolean;
  json?: boolean;
}

/** `kiln decontaminate --in DIR... --eval FILE... --out DIR [--ngram 13] [--field text] [--mode drop|mask]`. */
export function register(program: Command): void {
  program
    .command('decontaminate')
    .description('drop (or mask) documents sharing a word n-gram with evaluation sets; the hits go to <out>/excluded/ naming the eval item')
    .requiredOption('--in <dirs...>', 'input documents: kiln datasets, folders, Parquet/JSONL files or globs')
    .requiredOption('--eval <files...>', 'evaluation sets: .jsonl, .parquet (one item per row) or .txt (one item per line), .gz/.zst allowed')
    .requiredOption('--out <dir>', 'output dataset: the clean (or masked) documents, all input columns')
    .option('--ngram <n>', 'words per n-gram (GPT-3 used 13)', '13')
    .option('--field <name>', 'document field to check', 'text')
    .option('--eval-field <names...>', 'fields of a JSONL/Parquet eval item that hold text (string or list of strings)', ['text'])
    .option('--mode <mode>', 'drop: remove the document | mask: cut the shared spans out of it', 'drop')
    .option('--mask-with <text>', 'what replaces a masked span', '')
    .option('--short-items <how>', 'items under --ngram words: line (match whole document lines, as dolma) | skip (as datatrove)', 'line')
    .option('--min-item-words <n>', 'short items with fewer words are not checked', '3')
    .option('--max-ngrams <n>', 'refuse eval sets with more distinct n-grams (24-48 bytes each)', String(16 * 1024 * 1024))
    .option('--workers <n>', 'worker threads (default: one per core; each holds the eval n-grams)')
    .option('--tasks <n>', 'number of tasks (default: from the input size)')
    .option('--overwrite', 'replace an output made with another config or other eval files')
    .option('--wait', 'if another run is writing --out, wait for it instead of failing (KILN_OUTPUT_LOCKED)')
    .option('--allow-partial', 'read input kiln datasets whose run has not finished (default: refused)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (f: DecontaminateFlags) => {
      if (f.mode !== 'drop' && f.mode !== 'mask') throw new UsageError(`--mode must be drop or mask, got "${f.mode}"`, { key: '--mode' });
      if (f.shortItems !== 'line' && f.shortItems !== 'skip') throw new UsageError(`--short-items must be line or skip, got "${f.shortItems}"`, { key: '--short-items' });
      if (f.maskWith !== '' && f.mode !== 'mask') throw new UsageError('--mask-with needs --mode mask', { key: '--mask-with' });
      const { runDecontaminate } = await import('../../dedupe/decontaminate-run.js');
      const summary = await runDecontaminate({
        inputs: f.in,
        out: f.out,
        config: {
          eval: f.eval,
          ngram: intOption(f.ngram, '--ngram'),
          field: f.field,
          evalFields: f.evalField,
          mode: f.mode,
          maskWith: f.maskWith,
          shortItems: f.shortItems,
          minItemWords: intOption(f.minItemWords, '--min-item-words'),
          maxNgrams: intOption(f.maxNgrams, '--max-ngrams'),
        },
        workers: intOption(f.workers, '--workers'),
        tasks: intOption(f.tasks, '--tasks'),
        overwrite: f.overwrite,
        wait: f.wait,
        onWait: onOutputWait(f.out),
        allowPartial: f.allowPartial,
        signal: stopSignal(),
        quiet: f.json,
      });
      const stopped = await endIfStopped({ out: summary.out });
      if (f.json) return printJson(summary);
      if (stopped) return;
      const s = summary.stats;
      printTable(
        ['documents', 'kept', f.mode === 'mask' ? 'masked' : 'dropped', 'eval items', 'seconds'],
        [[s.documents ?? 0, s.kept ?? 0, (f.mode === 'mask' ? s.masked : s.dropped_contaminated) ?? 0, summary.eval.items ?? 0, Number(summary.seconds.toFixed(2))]],
      );
      const perFile = Object.entries(s).filter(([k]) => k.startsWith('contaminated:'));
      if (perFile.length > 0) printTable(['eval file', 'documents hit'], perFile.map(([k, v]) => [k.slice('contaminated:'.length), v]));
    });
}
