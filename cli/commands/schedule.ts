import type { Command } from 'commander';
import { stopIsNormalEnd, stopSignal } from '../stop-signal.js';

/** `kiln schedule PIPELINE.yaml [--cron EXPR]`: a long-running scheduler. */
export function register(program: Command): void {
  program
    .command('schedule')
    .description('run a pipeline on a cron schedule, never two runs at once; SIGTERM stops after the current stage commits')
    .argument('<pipeline>', 'PIPELINE.yaml')
    .option('--cron <expr>', 'cron expression (default: the file\'s schedule:), e.g. "0 */6 * * *"')
    .addHelpText(
      'after',
      '\nWith system cron instead (kiln run takes the same lock, so an overlapping start exits at once):\n' +
        '  0 */6 * * *  cd /srv/kiln && npx kiln run pipelines/news.yaml >> runs/news/cron.log 2>&1\n',
    )
    .action(async (file: string, flags: { cron?: string }) => {
      const { schedulePipeline } = await import('../../pipelines/scheduler.js');
      await schedulePipeline(file, { cron: flags.cron, signal: stopSignal() });
      // A scheduler is stopped by a signal when its service ends; a run it interrupted resumes at its next start.
      stopIsNormalEnd();
    });
}
