import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { ShardEntry } from '../core/shard-index.js';
import type { PackerState } from './packer.js';
import type { LineageState } from './shard-lineage.js';

/** Where packing a split stands after its last finished shard: enough to continue exactly. */
export interface PackJournal {
  /** Bucket group and position in its shuffled document order of the next document to pack. */
  group: number;
  doc: number;
  packer: PackerState;
  shards: ShardEntry[];
  nextShard: number;
  documents: number;
  padTokens: number;
  finished: boolean;
  /** Where the shard lineage stands (shard-lineage.ts). */
  lineage: LineageState;
}

/** The journal at `file`, or undefined before the split's first shard. */
export function readPackJournal(file: string): PackJournal | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackJournal;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Replaces the journal atomically (tmp + fsync + rename). */
export async function writePackJournal(file: string, journal: PackJournal): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(journal));
}
