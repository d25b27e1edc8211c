import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readShardIndexFile } from '../../shard/index.js';
import { EOS, makeDocs, tempDir, writeTokenDataset } from './token-datasets.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin.js');
const kiln = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, KILN_LOG: 'silent' } });

test('kiln shard --json writes shards and prints one summary; bad flags exit 2', () => {
  const root = tempDir('shard-cli');
  const input = writeTokenDataset(path.join(root, 'in'), makeDocs(400, 81));
  const out = path.join(root, 'out');
  const r = kiln(['shard', '--in', input, '--out', out, '--seq-len', '24', '--eos', String(EOS), '--val-fraction', '0.1', '--shard-size', '8KiB', '--seed', '3', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { documents: { train: number; val: number }; shards: { train: number } };
  assert.equal(summary.documents.train + summary.documents.val, 400);
  const index = readShardIndexFile(out)!;
  assert.equal(index.seq_len, 24);
  assert.equal(index.seed, 3);
  assert.equal(index.vocab_size, EOS + 1, 'vocab inferred from the largest id when not given');
  assert.equal(index.splits.train.shards.length, summary.shards.train);
  assert.ok(summary.shards.train > 1);
  const bad = kiln(['shard', '--in', input, '--out', path.join(root, 'x'), '--seq-len', '24', '--eos', '1', '--format', 'parquet']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /KILN_USAGE/);
  const badSize = kiln(['shard', '--in', input, '--out', path.join(root, 'x'), '--seq-len', '24', '--eos', '1', '--shard-size', 'big']);
  assert.equal(badSize.status, 2, badSize.stderr);
  assert.match(badSize.stderr, /--shard-size/);
});
