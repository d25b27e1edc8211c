import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { SHARD_INDEX_FILE, type ShardIndex, parseShardIndex } from '../core/shard-index.js';

/** The index.json of a shards directory, or undefined when there is none yet. */
export function readShardIndexFile(dir: string): ShardIndex | undefined {
  const file = path.join(dir, SHARD_INDEX_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseShardIndex(text, file);
}

/** Publishes a new index atomically: readers see the old or the new file, never a mix. */
export async function writeShardIndexFile(dir: string, index: ShardIndex): Promise<void> {
  await writeFileAtomic(path.join(dir, SHARD_INDEX_FILE), JSON.stringify(index, null, 1) + '\n');
}
