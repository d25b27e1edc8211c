// Pass 2 of the global shuffle for Arrow shards: buckets are read a group at a time (the group's
// bytes are the memory bound, `bucketBytes`), their documents shuffled with a seeded permutation
// and packed into rows. After every finished shard a journal records where packing stands, so a
// killed run continues from the last shard and writes byte-identical files.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hashInts32, seededPermutation } from '../core/seeded-random.js';
import type { ShardEntry, SplitName } from '../core/shard-index.js';
import { ArrowShardWriter } from './arrow-shard-writer.js';
import { BucketArena, readBucketDocs, readBucketIds } from './bucket-store.js';
import { CorruptPartError } from '../core/errors.js';
import { closeLineageShard, newLineageState, trackDocument, writeLineage } from './shard-lineage.js';
import { Packer } from './packer.js';
import { type PackJournal, readPackJournal, writePackJournal } from './pack-journal.js';

export interface PackSplitOptions {
  out: string;
  split: SplitName;
  /** Bucket files, grouped so each group fits the memory bound. */
  groups: string[][];
  tokenBytes: 2 | 4;
  dtype: 'uint16' | 'uint32';
  seqLen: number;
  eosId: number;
  shardBytes: number;
  batchBytes: number;
  seed: number;
  generation: number;
  firstShard: number;
  journalFile: string;
  /** Where a pack job starts when its journal does not exist yet (default: the split's start). */
  initial?: PackJournal;
  /** A pack job that is not its split's last: stop once shard `endShard` - 1 is closed, which must happen at `end`. */
  endShard?: number;
  end?: { group: number; doc: number };
  signal?: AbortSignal;
  onShard?: (entry: ShardEntry) => void;
}

export interface PackSplitResult {
  shards: ShardEntry[];
  documents: number;
  padTokens: number;
}

/** Name of shard `n` of a split. */
export function shardFileName(split: SplitName, n: number, ext = 'arrow'): string {
  return `${split}-${String(n).padStart(5, '0')}.${ext}`;
}

/** Seed of the document order inside bucket group `group`. */
export function groupShuffleSeed(seed: number, generation: number, split: SplitName, group: number): number {
  return hashInts32([seed, generation, split === 'train' ? 0 : 1, group]);
}

function removeUnjournaled(out: string, split: SplitName, nextShard: number, endShard = Infinity): void {
  // Shards numbered from nextShard on (and their temp files) belong to the killed job's unfinished
  // tail; shards from endShard on are another pack job's, which may be running right now.
  const re = new RegExp(`^(?:\\.tmp-\\d+-)?${split}-(\\d{5})\\.(?:arrow|ids\\.jsonl)$`);
  for (const name of readdirSync(out)) {
    const m = re.exec(name);
    if (m && Number(m[1]) >= nextShard && Number(m[1]) < endShard) rmSync(path.join(out, name), { force: true });
  }
}

/** Packs one split of one generation into Arrow shards, resuming from its journal. */
export async function packArrowSplit(opts: PackSplitOptions): Promise<PackSplitResult> {
  const rowLength = opts.seqLen + 1;
  const journal: PackJournal = readPackJournal(opts.journalFile) ?? opts.initial ?? {
    group: 0,
    doc: 0,
    packer: { pending: [], rows: 0 },
    shards: [],
    nextShard: opts.firstShard,
    documents: 0,
    padTokens: 0,
    finished: false,
    lineage: newLineageState(),
  };
  // A journal from before lineage existed cannot say where its documents went: pack from the start.
  if (!journal.lineage) throw new CorruptPartError(`${opts.journalFile} was written by an older kiln without shard lineage; delete it (or pass --overwrite) and shard again`, { path: opts.journalFile });
  const lineage = journal.lineage;
  if (journal.finished) return { shards: journal.shards, documents: journal.documents, padTokens: journal.padTokens };
  removeUnjournaled(opts.out, opts.split, journal.nextShard, opts.endShard);

  let writer: ArrowShardWriter | undefined;
  const sink = {
    row: (tokens: Uint16Array | Uint32Array): void => {
      writer ??= new ArrowShardWriter(path.join(opts.out, shardFileName(opts.split, journal.nextShard)), rowLength, opts.dtype, opts.batchBytes, opts.generation);
      writer.row(tokens);
    },
  };
  const packer = new Packer(rowLength, opts.eosId, sink, opts.dtype, journal.packer);
  const closeShard = (): void => {
    if (!writer) return;
    const entry = writer.close();
    writer = undefined;
    entry.lineage = writeLineage(opts.out, { shard: entry.file, ...closeLineageShard(lineage, packer.rows, rowLength) });
    journal.shards.push(entry);
    journal.nextShard++;
    opts.onShard?.(entry);
  };

  // Memory bound of the pack pass: one bucket group (<= bucketBytes unless a single bucket is larger).
  const arena = new BucketArena();
  try {
    for (let g = journal.group; g < opts.groups.length; g++) {
      const docs = readBucketDocs(opts.groups[g], opts.tokenBytes, arena);
      const ids = readBucketIds(opts.groups[g]);
      if (ids.length !== docs.length) throw new CorruptPartError(`bucket group ${g} of ${opts.split} holds ${docs.length} documents but ${ids.length} ids`, { path: opts.groups[g][0] });
      const order = seededPermutation(docs.length, groupShuffleSeed(opts.seed, opts.generation, opts.split, g));
      for (let i = g === journal.group ? journal.doc : 0; i < docs.length; i++) {
        trackDocument(lineage, ids[order[i]], docs[order[i]].length);
        packer.push(docs[order[i]]);
        journal.documents++;
        if (writer && writer.bytes >= opts.shardBytes) {
          closeShard();
          const last = journal.nextShard === opts.endShard;
          // The plan replayed this cut from token counts; a job that ends elsewhere would leave a gap or an overlap.
          if (last && (opts.end?.group !== g || opts.end.doc !== i + 1)) throw new Error(`internal: pack job of ${opts.split} closed shard ${journal.nextShard - 1} at group ${g} document ${i + 1}, planned at ${JSON.stringify(opts.end)}`);
          Object.assign(journal, { group: g, doc: i + 1, packer: packer.state(), finished: last });
          await writePackJournal(opts.journalFile, journal);
          if (last) return { shards: journal.shards, documents: journal.documents, padTokens: journal.padTokens };
          opts.signal?.throwIfAborted();
        }
      }
    }
    if (opts.endShard !== undefined) throw new Error(`internal: pack job of ${opts.split} reached the end before shard ${opts.endShard}`);
    journal.padTokens += packer.finish();
    closeShard();
    Object.assign(journal, { group: opts.groups.length, doc: 0, packer: packer.state(), finished: true });
    await writePackJournal(opts.journalFile, journal);
  } catch (err) {
    writer?.abort();
    throw err;
  }
  return { shards: journal.shards, documents: journal.documents, padTokens: journal.padTokens };
}
