import type { Command } from 'commander';
import { formatBytes, printJson } from '../print.js';

/** `kiln verify DIR`: every shard (or committed part) against the checksum and size it was recorded with. */
export function register(program: Command): void {
  program
    .command('verify')
    .description('check every shard of a shards directory, or every committed part of a dataset, against its recorded size and checksum')
    .argument('<dir>', 'shards directory (kiln shard) or kiln dataset directory, local or s3://bucket/prefix')
    .option('--json', 'print one JSON object')
    .action(async (where: string, opts: { json?: boolean }) => {
      // An s3:// dataset is verified on a fresh download of every object (staged-stage.ts).
      const dir = await (await import('../../core/storage/staged-stage.js')).localView(where, { refresh: true });
      const [{ readShardIndexIn }, { readManifest }, { CorruptPartError, UsageError }] = await Promise.all([
        import('../../core/dataset-status.js'),
        import('../../core/dataset-manifest.js'),
        import('../../core/errors.js'),
      ]);
      let kind: 'shards' | 'dataset';
      let result;
      if (await readShardIndexIn(dir)) {
        kind = 'shards';
        result = await (await import('../../shard/verify-shards.js')).shardProblems(dir);
      } else if (await readManifest(dir)) {
        kind = 'dataset';
        result = await (await import('../../core/verify-parts.js')).verifyDatasetParts(dir);
      } else {
        throw new UsageError(`not a kiln dataset or shards directory (no _kiln/dataset.json or index.json): ${dir}`, { path: dir });
      }
      const ok = result.problems.length === 0;
      if (opts.json) printJson({ dir, kind, ok, ...result });
      else if (ok) process.stdout.write(`ok: ${result.files} ${kind === 'shards' ? 'shard' : 'part'} file(s), ${formatBytes(result.bytes)} match their checksums\n`);
      else for (const p of result.problems) process.stdout.write(`bad: ${p.file}: ${p.message}\n`);
      const first = result.problems[0];
      if (first) throw new CorruptPartError(`${first.file}: ${first.message}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : ''}`, { path: first.file });
    });
}
