import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { unknownTokenizerReason } from '../../tokenize/tokenizer-source.js';
import { intOption } from '../number-option.js';
import { printJson, printTable } from '../print.js';
import { SIZE_FLAG_HELP, sizeOption } from '../size-option.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';
import { onOutputWait } from '../output-wait.js';

interface TokenizeOptions {
  in: string[];
  out: string;
  tokenizer: string;
  workers?: string;
  tasks?: string;
  partMb?: string;
  overwrite?: boolean;
  wait?: boolean;
  allowPartial?: boolean;
  json?: boolean;
}

/** `kiln tokenize --in DIR... --out DIR --tokenizer NAME_OR_PATH`. */
export function register(program: Command): void {
  program
    .command('tokenize')
    .description('tokenize a documents dataset into {id, tokens} rows (exact ids, no BOS/EOS)')
    .requiredOption('--in <dirs...>', 'input documents datasets, folders, files or globs')
    .requiredOption('--out <dir>', 'output tokens dataset')
    .option('--tokenizer <nameOrPath>', 'gpt2 | cl100k_base | o200k_base | path to tokenizer.json or .tiktoken', 'gpt2')
    .option('--workers <n>', 'encode worker threads (default: one per core)')
    .option('--tasks <n>', 'number of tasks (default: from the input size)')
    .option('--part-mb <size>', `input per output part, one worker job: a number of MiB or a size such as 512K (default 4; smaller parts: less memory per worker, less work lost to a kill) ${SIZE_FLAG_HELP}`)
    .option('--overwrite', 'replace an output made with another config')
    .option('--wait', 'if another run is writing --out, wait for it instead of failing (KILN_OUTPUT_LOCKED)')
    .option('--allow-partial', 'read input kiln datasets whose run has not finished (default: refused)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (opts: TokenizeOptions) => {
      const unknown = unknownTokenizerReason(opts.tokenizer);
      if (unknown !== undefined) throw new UsageError(`--tokenizer: ${unknown}`, { key: '--tokenizer' });
      const workers = intOption(opts.workers, '--workers');
      const tasks = intOption(opts.tasks, '--tasks');
      const partBytes = opts.partMb === undefined ? undefined : sizeOption(opts.partMb, '--part-mb', { defaultUnit: 'M', max: 1024 ** 3 });
      const { poolFor, resolveTokenizerSpec, setEncodeWorkers } = await import('../../tokenize/shared-pool.js');
      if (workers !== undefined) setEncodeWorkers(workers);
      const tokenizer = resolveTokenizerSpec(opts.tokenizer);
      // Start the encode workers before loading the runner and the stage (Arrow, parquet-wasm,
      // zod: ~0.3 s): they load the tokenizer meanwhile, and the stage reuses this pool.
      poolFor(tokenizer);
      const [{ runStage }, { tokenizeStage }] = await Promise.all([import('../../core/run-stage.js'), import('../../tokenize/stage.js')]);
      const summary = await runStage(tokenizeStage, {
        inputs: opts.in,
        out: opts.out,
        config: { tokenizer, ...(partBytes === undefined ? {} : { partBytes }) },
        tasks,
        overwrite: opts.overwrite,
        wait: opts.wait,
        onWait: onOutputWait(opts.out),
        allowPartial: opts.allowPartial,
        signal: stopSignal(),
        quiet: opts.json,
      });
      const stopped = await endIfStopped({ out: summary.out });
      if (opts.json) return printJson(summary);
      if (stopped) return;
      printTable(
        ['stage', 'tasks', 'documents', 'tokens', 'seconds'],
        [[summary.stage, summary.tasks, summary.stats.documents ?? 0, summary.stats.tokens ?? 0, Number(summary.seconds.toFixed(2))]],
      );
    });
}
