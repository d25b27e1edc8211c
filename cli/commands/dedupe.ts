import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { intOption } from '../number-option.js';
import { printJson, printTable } from '../print.js';
import { SIZE_FLAG_HELP, sizeOption } from '../size-option.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';
import { onOutputWait } from '../output-wait.js';

interface DedupeFlags {
  in: string[];
  out: string;
  index?: string;
  threshold: string;
  ngram: string;
  bands: string;
  rows: string;
  exactOnly?: boolean;
  keep: string;
  memory: string;
  clusters?: string;
  workers?: string;
  tasks?: string;
  overwrite?: boolean;
  keepState?: boolean;
  wait?: boolean;
  allowPartial?: boolean;
  json?: boolean;
}

/** `kiln dedupe --in DIR... --out DIR [--index DIR] [--threshold 0.8] ...`. */
export function register(program: Command): void {
  program
    .command('dedupe')
    .description('remove exact and near-duplicate documents (MinHash + LSH), out of core, optionally against a persistent index')
    .requiredOption('--in <dirs...>', 'input documents: kiln datasets, folders, Parquet/JSONL files or globs (columns id, text)')
    .requiredOption('--out <dir>', 'output dataset: the kept documents, all input columns')
    .option('--index <dir>', 'persistent index: drop documents duplicating earlier runs, then add this run\'s survivors')
    .option('--threshold <j>', 'estimated Jaccard at which two documents are near duplicates', '0.8')
    .option('--ngram <n>', 'words per shingle', '5')
    .option('--bands <n>', 'LSH bands', '14')
    .option('--rows <n>', 'MinHash values per band', '8')
    .option('--exact-only', 'only remove exact copies (after case/punctuation/space/NFKC folding)')
    .option('--keep <which>', 'which member of a cluster survives: first | last (input order)', 'first')
    .option('--memory <size>', `memory budget for sorting and clustering, e.g. 1G, 512M ${SIZE_FLAG_HELP}`, '1G')
    .option('--clusters <dir>', 'also write doc id -> cluster, kept, reason for every duplicated document')
    .option('--workers <n>', 'signature/filter worker threads (default: one per core, at most one per 200M of --memory)')
    .option('--tasks <n>', 'number of tasks (default: from the input size)')
    .option('--overwrite', 'replace an output made with another config')
    .option('--wait', 'if another run is writing --out, wait for it instead of failing (KILN_OUTPUT_LOCKED)')
    .option('--allow-partial', 'read input kiln datasets whose run has not finished (default: refused)')
    .option('--keep-state', 'keep signatures and sorted runs under <out>/_kiln/dedupe after success')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (f: DedupeFlags) => {
      const threshold = Number(f.threshold);
      if (!(threshold > 0 && threshold <= 1)) throw new UsageError(`--threshold must be in (0, 1], got "${f.threshold}"`, { key: '--threshold' });
      if (f.keep !== 'first' && f.keep !== 'last') throw new UsageError(`--keep must be first or last, got "${f.keep}"`, { key: '--keep' });
      const memory = sizeOption(f.memory, '--memory', { min: 16 * 1024 ** 2 });
      const { runDedupe } = await import('../../dedupe/dedupe-run.js');
      const summary = await runDedupe({
        inputs: f.in,
        out: f.out,
        config: {
          threshold,
          ngram: intOption(f.ngram, '--ngram'),
          bands: intOption(f.bands, '--bands'),
          rows: intOption(f.rows, '--rows'),
          exactOnly: !!f.exactOnly,
          keep: f.keep,
          index: f.index ?? null,
        },
        memory,
        clusters: f.clusters,
        workers: intOption(f.workers, '--workers'),
        tasks: intOption(f.tasks, '--tasks'),
        overwrite: f.overwrite,
        keepState: f.keepState,
        wait: f.wait,
        onWait: onOutputWait(f.out),
        allowPartial: f.allowPartial,
        signal: stopSignal(),
        quiet: f.json,
      });
      const stopped = await endIfStopped({ out: summary.out, committed: summary.stopped ? 'finished dedupe phases are kept under <out>/_kiln/dedupe' : undefined });
      if (f.json) return printJson(summary);
      if (stopped) return;
      printTable(
        ['documents', 'kept', 'dropped_exact', 'dropped_near', 'seconds'],
        [[summary.documents, summary.kept, summary.dropped_exact, summary.dropped_near, Number(summary.seconds.toFixed(2))]],
      );
    });
}
