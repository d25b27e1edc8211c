import path from 'node:path';
import { CorruptPartError } from '../core/errors.js';
import type { SplitName } from '../core/shard-index.js';
import { checkFile, type VerifyResult } from '../core/verify-parts.js';
import { readShardIndexFile } from './shard-index-file.js';

/** Checks every shard named in `dir/index.json` (present, size, checksum) and lists every one that fails. */
export async function shardProblems(dir: string): Promise<VerifyResult> {
  const index = readShardIndexFile(dir);
  if (!index) throw new CorruptPartError(`no index.json in ${dir}`, { path: dir });
  const result: VerifyResult = { files: 0, bytes: 0, problems: [] };
  for (const split of ['train', 'val'] as SplitName[]) {
    for (const shard of index.splits[split].shards) {
      const file = path.join(dir, shard.file);
      const problem = await checkFile(file, shard.bytes, shard.checksum);
      if (problem) result.problems.push({ file, message: `shard ${problem}` });
      result.files++;
      result.bytes += shard.bytes;
    }
  }
  return result;
}

/** Checks every shard named in `dir/index.json`: present, the right size, the right checksum. */
export async function verifyShards(dir: string): Promise<{ files: number; bytes: number }> {
  const { files, bytes, problems } = await shardProblems(dir);
  const first = problems[0];
  if (first) throw new CorruptPartError(`${first.file}: ${first.message}`, { path: first.file });
  return { files, bytes };
}
