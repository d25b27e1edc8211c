import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { CorruptPartError } from '../core/errors.js';
import type { SplitName } from '../core/shard-index.js';
import { readShardIndexFile } from './shard-index-file.js';
import { createChecksum } from './streaming-checksum.js';

/** Checks every shard named in `dir/index.json`: present, the right size, the right checksum. */
export async function verifyShards(dir: string): Promise<{ files: number; bytes: number }> {
  const index = readShardIndexFile(dir);
  if (!index) throw new CorruptPartError(`no index.json in ${dir}`, { path: dir });
  let files = 0;
  let bytes = 0;
  for (const split of ['train', 'val'] as SplitName[]) {
    for (const shard of index.splits[split].shards) {
      const file = path.join(dir, shard.file);
      const st = await fs.stat(file).catch(() => undefined);
      if (!st) throw new CorruptPartError(`shard is missing: ${file}`, { path: file });
      if (st.size !== shard.bytes) throw new CorruptPartError(`shard ${file} has ${st.size} bytes, the index says ${shard.bytes} (truncated or replaced)`, { path: file });
      const hash = createChecksum();
      for await (const piece of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(piece as Buffer);
      if (hash.digest() !== shard.checksum) throw new CorruptPartError(`shard ${file}: checksum mismatch (corrupt file)`, { path: file });
      files++;
      bytes += st.size;
    }
  }
  return { files, bytes };
}
