// `kiln inspect`, `kiln status` and `kiln verify` on what `kiln shard` and `kiln train` write, run
// as a user does: the built CLI, from the data's folder, relative paths. The old code refused a
// shards directory ("not a kiln dataset" / KILN_FOREIGN_FILE), had no verify command, and showed
// 0 rows and 0 bytes for a pipeline's shard and train stages.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readCommits } from '../../core/commit-record.js';
import { readShardIndexFile } from '../../shard/index.js';
import { writeJsonlCorpus } from '../core/corpus.js';
import { kiln } from './kiln-process.js';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await fs.rm(r, { recursive: true, force: true });
});

async function tempRoot(prefix: string): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `kiln-${prefix}-`));
  roots.push(root);
  return root;
}

/** Runs kiln in `cwd` and requires exit 0; returns stdout. */
async function ok(args: string[], cwd: string): Promise<string> {
  const r = await kiln(args, cwd);
  assert.equal(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await fs.readFile(file);
  bytes[at] ^= 0xff;
  await fs.writeFile(file, bytes);
}

interface VerifyJson {
  kind: string;
  ok: boolean;
  files: number;
  bytes: number;
  problems: { file: string; message: string }[];
}

test('inspect, status and verify read a shards directory; verify names a flipped byte in a shard and in a dataset part', { timeout: 120_000 }, async () => {
  const cwd = await tempRoot('verify');
  await writeJsonlCorpus(path.join(cwd, 'in'), 2, 150, 5);
  await ok(['tokenize', '--in', 'in', '--out', 'tok'], cwd);
  await ok(['shard', '--in', 'tok', '--out', 'sh', '--seq-len', '16', '--val-fraction', '0.1', '--shard-size', '4KiB'], cwd);
  const index = readShardIndexFile(path.join(cwd, 'sh'))!;
  const shards = [...index.splits.train.shards, ...index.splits.val.shards];
  assert.ok(index.splits.train.shards.length > 2, 'several train shards');
  const shardBytes = shards.reduce((s, x) => s + x.bytes, 0);

  const inspect = JSON.parse(await ok(['inspect', 'sh', '--json'], cwd)) as {
    kind: string;
    seq_len: number;
    dtype: string;
    tokenizer: { name: string } | null;
    generations: number;
    splits: Record<'train' | 'val', { shards: number; sequences: number; tokens: number; documents: number; bytes: number }>;
  };
  assert.equal(inspect.kind, 'shards');
  assert.equal(inspect.seq_len, 16);
  assert.equal(inspect.dtype, index.dtype);
  assert.equal(inspect.tokenizer?.name, 'gpt2');
  assert.equal(inspect.generations, 1);
  for (const split of ['train', 'val'] as const) {
    const s = index.splits[split];
    assert.deepEqual(inspect.splits[split], { shards: s.shards.length, sequences: s.sequences, tokens: s.tokens, documents: s.documents, bytes: s.shards.reduce((n, x) => n + x.bytes, 0) });
  }
  assert.equal(inspect.splits.train.documents + inspect.splits.val.documents, 300, 'every tokenized document was sharded');
  const inspectText = await ok(['inspect', './sh/'], cwd);
  assert.match(inspectText, /seq_len 16/);
  assert.match(inspectText, new RegExp(`train\\s+${index.splits.train.shards.length}\\s+${index.splits.train.sequences}\\s`));

  const status = JSON.parse(await ok(['status', 'sh', '--json'], cwd)) as { kind: string; complete: boolean; rows: number; bytes: number };
  assert.equal(status.kind, 'shards');
  assert.equal(status.complete, true);
  assert.equal(status.rows, index.splits.train.sequences + index.splits.val.sequences);
  assert.equal(status.bytes, shardBytes);
  assert.match(await ok(['status', 'sh'], cwd), /sequences[\s\S]*\byes\b/);

  const good = JSON.parse(await ok(['verify', 'sh', '--json'], cwd)) as VerifyJson;
  assert.deepEqual(good, { dir: 'sh', kind: 'shards', ok: true, files: shards.length, bytes: shardBytes, problems: [] });
  const goodParts = JSON.parse(await ok(['verify', 'tok', '--json'], cwd)) as VerifyJson;
  const commits = (await readCommits(path.join(cwd, 'tok'))).filter((c) => c.file);
  assert.equal(goodParts.ok, true);
  assert.equal(goodParts.files, commits.length);
  assert.ok(goodParts.files > 0);

  // One flipped byte in the second train shard, one in the val shard: both listed, the first named on stderr.
  const victim = index.splits.train.shards[1].file;
  await flipByte(path.join(cwd, 'sh', victim), 200);
  await flipByte(path.join(cwd, 'sh', index.splits.val.shards[0].file), 100);
  const bad = await kiln(['verify', 'sh'], cwd);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, new RegExp(`^kiln: KILN_CORRUPT_PART: sh/${victim.replace('.', '\\.')}: .*checksum`));
  assert.equal(bad.stderr.trim().split('\n').length, 1, 'one error line');
  const badJson = await kiln(['verify', 'sh', '--json'], cwd);
  assert.equal(badJson.code, 1);
  const listed = JSON.parse(badJson.stdout) as VerifyJson;
  assert.equal(listed.ok, false);
  assert.deepEqual(listed.problems.map((p) => p.file), [`sh/${victim}`, `sh/${index.splits.val.shards[0].file}`]);

  // A truncated shard is named with its size.
  const other = index.splits.train.shards[2].file;
  await fs.truncate(path.join(cwd, 'sh', other), 10);
  const truncated = JSON.parse((await kiln(['verify', 'sh', '--json'], cwd)).stdout) as VerifyJson;
  assert.match(truncated.problems.find((p) => p.file === `sh/${other}`)?.message ?? '', /has 10 bytes.*truncated/);

  const part = commits[0].file!;
  await flipByte(path.join(cwd, 'tok', part), 64);
  const badPart = await kiln(['verify', 'tok'], cwd);
  assert.equal(badPart.code, 1, badPart.stderr);
  assert.match(badPart.stderr, new RegExp(`^kiln: KILN_CORRUPT_PART: tok/${part.replace('.', '\\.')}: .*checksum`));

  // A folder that is neither: bad usage, named.
  const neither = await kiln(['verify', 'in'], cwd);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /^kiln: KILN_USAGE: not a kiln dataset or shards directory.*: in\n$/);
});

test('status of a pipeline shows the shard stage\'s sequences and bytes and the train run\'s steps and checkpoint; status reads a train run', { timeout: 180_000 }, async () => {
  const cwd = await tempRoot('verify-pipeline');
  await writeJsonlCorpus(path.join(cwd, 'in'), 1, 200, 9);
  await fs.writeFile(path.join(cwd, 'tiny.json'), JSON.stringify({ arch: 'gpt', dModel: 16, nLayer: 1, nHead: 2 }));
  await fs.writeFile(
    path.join(cwd, 'p.yaml'),
    ['name: verify-status', 'workdir: ./runs', 'stages:', '  tokenize:', '    inputs: [./in]', '    tokenizer: gpt2', '  shard:', '    seqLen: 16', '    valFraction: 0.05',
      '  train:', '    model: ./tiny.json', '    steps: 4', '    batchSize: 2', '    checkpointEvery: 2', '    backend: wasm', ''].join('\n'),
  );
  await ok(['run', 'p.yaml'], cwd);
  const index = readShardIndexFile(path.join(cwd, 'runs', 'shard'))!;
  const status = JSON.parse(await ok(['status', 'p.yaml', '--json'], cwd)) as { stages: { key: string; rows: number; bytes: number }[] };
  const shard = status.stages.find((s) => s.key === 'shard')!;
  assert.equal(shard.rows, index.splits.train.sequences + index.splits.val.sequences);
  assert.ok(shard.rows > 0);
  assert.equal(shard.bytes, [...index.splits.train.shards, ...index.splits.val.shards].reduce((s, x) => s + x.bytes, 0));

  const ckpt = path.join(cwd, 'runs', 'train', 'checkpoints', 'step-00000004');
  let ckptBytes = 0;
  for (const f of await fs.readdir(ckpt)) ckptBytes += (await fs.stat(path.join(ckpt, f))).size;
  const train = status.stages.find((s) => s.key === 'train')!;
  assert.equal(train.rows, 4, 'steps done');
  assert.equal(train.bytes, ckptBytes, 'the newest checkpoint');

  const run = JSON.parse(await ok(['status', 'runs/train', '--json'], cwd)) as { kind: string; complete: boolean; train: { step: number; targetSteps: number; checkpoint: { step: number; dir: string; bytes: number } } };
  assert.equal(run.kind, 'train');
  assert.equal(run.complete, true);
  assert.deepEqual(run.train, { step: 4, targetSteps: 4, checkpoint: { step: 4, dir: path.join('runs', 'train', 'checkpoints', 'step-00000004'), bytes: ckptBytes } });
  assert.match(await ok(['status', 'runs/train'], cwd), /train\s+4\s+4\s+step 4/);
  // The pipeline's shard directory also keeps task records; it is still read as shards.
  assert.equal((JSON.parse(await ok(['inspect', 'runs/shard', '--json'], cwd)) as { kind: string }).kind, 'shards');
  assert.equal((JSON.parse(await ok(['verify', 'runs/shard', '--json'], cwd)) as VerifyJson).ok, true);
});
