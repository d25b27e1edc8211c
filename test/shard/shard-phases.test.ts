// Shard as phases: any number of scatter and pack tasks, run in any order, each step in a fresh
// ShardRun (as separate Slurm jobs would), writes the same files as one `runShard`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../core/log.js';
import { phaseNamed } from '../../core/stage-phases.js';
import { runShard } from '../../shard/index.js';
import type { ShardConfigInput } from '../../shard/config.js';
import { ShardRun } from '../../shard/shard-phases.js';
import { EOS, VOCAB, makeDocs, shardFiles, tempDir, writeTokenDataset } from './token-datasets.js';

process.env.KILN_LOG = 'silent';
const log = createLogger({ stage: 'shard' });

/** Runs each phase step in its own ShardRun, the tasks in reverse order (as separate jobs could). */
async function runAsJobs(config: ShardConfigInput, tasks: { scatter: number; pack: number }): Promise<number[]> {
  const counts: number[] = [];
  const fresh = (): ShardRun => ShardRun.open(config, { log, phaseTasks: tasks });
  for (const name of ['scatter', 'pack']) {
    const count = await phaseNamed(fresh().phases(), name).plan({ log });
    counts.push(count);
    for (let t = count - 1; t >= 0; t--) await phaseNamed(fresh().phases(), name).runTasks([t], { log });
    await phaseNamed(fresh().phases(), name).finalize!({ log });
  }
  return counts;
}

const base = (inputs: string[], out: string): ShardConfigInput => ({ inputs, out, seqLen: 32, eosId: EOS, vocabSize: VOCAB, valFraction: 0.1, shardBytes: 8192, batchBytes: 1024, bucketBytes: 16 * 1024 });

test('1 or 3 scatter tasks and 1 or 3 pack tasks write the shards and index.json of one runShard, byte for byte', async () => {
  const root = tempDir('shard-phases');
  const a = writeTokenDataset(path.join(root, 'a'), makeDocs(3000, 3, 'a'), 500);
  const b = writeTokenDataset(path.join(root, 'b'), makeDocs(1200, 4, 'b'), 400);
  const config = (out: string): ShardConfigInput => ({ ...base([a, b], out), weights: [1, 1.5] });
  const ref = path.join(root, 'ref');
  await runShard(config(ref));
  const expected = shardFiles(ref);
  assert.ok([...expected.keys()].filter((n) => n.endsWith('.arrow')).length > 6, 'several shards per split, so pack tasks cut between shards');
  for (const [scatter, pack] of [[1, 1], [3, 1], [1, 3], [3, 3]]) {
    const out = path.join(root, `s${scatter}-p${pack}`);
    const counts = await runAsJobs(config(out), { scatter, pack });
    assert.deepEqual(counts, [scatter, pack], 'the phases planned the task counts asked for');
    assert.deepEqual(shardFiles(out), expected, `${scatter} scatter / ${pack} pack tasks`);
  }
  // The one-shot run with many tasks per phase, too.
  const many = path.join(root, 'many');
  await runShard(config(many), { tasks: 3 });
  assert.deepEqual(shardFiles(many), expected);
});

test('a second generation and the Megatron export are the same with 3 tasks per phase', async () => {
  const root = tempDir('shard-phases-gen');
  const g1 = writeTokenDataset(path.join(root, 'g1'), makeDocs(3000, 5, 'x'), 500);
  const g2 = writeTokenDataset(path.join(root, 'g2'), makeDocs(2000, 6, 'y'), 500);
  for (const format of ['arrow', 'megatron'] as const) {
    const ref = path.join(root, `ref-${format}`);
    const out = path.join(root, `out-${format}`);
    for (const inputs of [[g1], [g1, g2]]) {
      await runShard({ ...base(inputs, ref), format });
      await runAsJobs({ ...base(inputs, out), format }, { scatter: 3, pack: 3 });
    }
    assert.deepEqual(shardFiles(out), shardFiles(ref), format);
  }
});
