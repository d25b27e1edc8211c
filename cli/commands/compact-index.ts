import type { Command } from 'commander';
import { printJson, printTable } from '../print.js';

/** `kiln compact-index DIR`: merges a dedupe index's generations into one. */
export function register(program: Command): void {
  program
    .command('compact-index')
    .description('merge the generations of a persistent dedupe index (--index DIR) into one; runs against it decide the same')
    .argument('<dir>', 'the index folder (the one passed to kiln dedupe --index)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const [{ createLogger }, { compactIndex }] = await Promise.all([import('../../core/log.js'), import('../../dedupe/index-compaction.js')]);
      const result = await compactIndex(dir, { log: opts.json ? undefined : createLogger() });
      if (opts.json) return printJson(result);
      printTable(['index', 'generations before', 'after', 'documents'], [[result.indexDir, result.generationsBefore, result.generationsAfter, result.documents]]);
    });
}
