import type { Command } from 'commander';
import { intOption } from '../number-option.js';
import { printJson } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';

/** `kiln quickstart`: the whole pipeline on a generated demo website, in a few minutes on a CPU. */
export function register(program: Command): void {
  program
    .command('quickstart')
    .description('serve a demo website on 127.0.0.1 and run crawl -> dedupe -> tokenize -> shard -> train on it (~2 min of training on CPU)')
    .option('--dir <dir>', 'working directory', 'runs/quickstart')
    .option('--steps <n>', 'training steps (default: the example file\'s)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (flags: { dir: string; steps?: string; json?: boolean }) => {
      const steps = intOption(flags.steps, '--steps');
      const [{ runQuickstart }, { formatStageTable }] = await Promise.all([import('../../pipelines/examples/quickstart.js'), import('../../pipelines/stage-report.js')]);
      const result = await runQuickstart({ dir: flags.dir, steps, signal: stopSignal() });
      const stopped = await endIfStopped({ committed: `stages done: ${result.reports.filter((r) => r.status !== 'stopped').map((r) => r.key).join(', ') || 'none'}` });
      if (flags.json) return printJson(result);
      if (stopped) return;
      for (const name of result.missing) process.stdout.write(`note: stage ${name} is not available in this build; skipped\n`);
      process.stdout.write(formatStageTable(result.reports) + '\n');
      const train = result.reports.find((r) => r.stage === 'train');
      const losses = train?.extra;
      if (losses && typeof losses.initial_val_loss === 'number' && typeof losses.val_loss === 'number') {
        process.stdout.write(`val loss ${losses.initial_val_loss.toFixed(3)} -> ${losses.val_loss.toFixed(3)}\n`);
      }
      if (result.report) process.stdout.write(`report: ${result.report}\n`);
      process.stdout.write(`done in ${result.seconds.toFixed(1)}s; pipeline file ${result.pipelineFile} (run it again: kiln run ${result.pipelineFile})\n`);
    });
}
