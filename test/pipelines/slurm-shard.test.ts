// Shard as phases on the Slurm executor: scatter and pack are job arrays whose tasks spread over
// the cluster's nodes, and the shards equal one local `runShard` byte for byte.
import assert from 'node:assert/strict';
import path from 'node:path';
import { runPipeline } from '../../pipelines/runner.js';
import { runShard } from '../../shard/index.js';
import { EOS, VOCAB, makeDocs, shardFiles, writeTokenDataset } from '../shard/token-datasets.js';
import { sacctNodes, slurmTest } from './slurm-cluster.js';
import { tempDir, writePipeline } from './toy-pipeline.js';

process.env.KILN_LOG = 'silent';
delete process.env.NODE_V8_COVERAGE;

const SETTINGS = { seqLen: 32, eosId: EOS, vocabSize: VOCAB, valFraction: 0.1, shardBytes: 8192, batchBytes: 1024, bucketBytes: 16 * 1024 };

slurmTest('executor slurm: shard runs as a scatter and a pack array over >= 3 nodes and writes what runShard writes, byte for byte', async () => {
  const dir = await tempDir('kiln-shard-');
  // Six part files: the scatter's six tasks get one each.
  const input = writeTokenDataset(path.join(dir, 'tokens'), makeDocs(3000, 21, 'd'), 500);
  const ref = path.join(dir, 'ref');
  await runShard({ ...SETTINGS, inputs: [input], out: ref });
  const yaml = [
    'name: sh',
    'workdir: ./work',
    'executor: slurm',
    'slurm: { tasks: 6, parallelism: 6, poll_seconds: 0.3, cpus_per_task: 2 }',
    'stages:',
    '  shard:',
    `    inputs: [${JSON.stringify(input)}]`,
    ...Object.entries(SETTINGS).map(([k, v]) => `    ${k}: ${v}`),
    '',
  ].join('\n');
  const file = await writePipeline(dir, yaml, 'slurm.yaml');
  const result = await runPipeline(file, { quiet: true });
  assert.deepEqual(result.reports.map((r) => [r.key, r.status]), [['shard', 'ran']]);
  const out = path.join(dir, 'work/shard');
  assert.deepEqual(shardFiles(out), shardFiles(ref));
  const jobs = result.reports[0].jobs!;
  assert.equal(jobs.length, 6, 'plan, array and finalize job per phase');
  // Six elements of 2 CPUs on nodes of 4 (.ci/slurm.sh): a node holds two at once, so any five
  // running together span three nodes, also while another test's job holds up to two CPUs on one.
  // (With three elements, such a job let Slurm run all of them on two nodes.)
  for (const [p, phase] of ['scatter', 'pack'].entries()) {
    const elements = [...(await sacctNodes(jobs[3 * p + 1], 6)).values()];
    const nodes = new Set(elements.map((e) => e.node));
    assert.ok(nodes.size >= 3, `${phase} elements ran on ${[...nodes].join(',')}`);
  }
  // The stage's dataset records what the shards hold.
  const stats = result.reports[0].stats;
  assert.equal((stats.documents_train ?? 0) + (stats.documents_val ?? 0), 3000);
});
