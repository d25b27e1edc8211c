// `kiln shard`: token datasets -> shuffled, packed shards + index.json. Each run is one
// generation: it ingests the input files no earlier generation took, scatters their documents
// into bucket files, packs each bucket group into shards and then publishes a new index.json
// atomically. It runs the phases of shard-phases.ts here, one after the other (as runDedupe
// runs dedupe's); `kiln run --executor slurm` runs the same phases as job arrays.
import { createLogger } from '../core/log.js';
import { runPhasesLocally } from '../core/stage-phases.js';
import type { ShardConfigInput } from './config.js';
import { ShardRun, type RunShardOptions, type ShardSummary } from './shard-phases.js';

export type { RunShardOptions, ShardSummary } from './shard-phases.js';

/** Shards token datasets into `config.out` as a new generation (or resumes an interrupted one). */
export async function runShard(input: ShardConfigInput, options: RunShardOptions = {}): Promise<ShardSummary> {
  const log = options.log ?? createLogger({ stage: 'shard' });
  const run = ShardRun.open(input, { ...options, log });
  const outcome = await runPhasesLocally(run.phases(), { log, signal: options.signal, quiet: true });
  // The phases stop by returning at a task boundary; runShard stops by throwing the abort, as before.
  if (outcome.stopped || !run.summary) {
    options.signal?.throwIfAborted();
    throw new Error(`internal: shard run of ${run.out} ended without a summary`);
  }
  return run.summary;
}
