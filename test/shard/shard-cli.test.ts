import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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

test('kiln shard refuses changed settings unless --overwrite, counts mixture copies, and makes an empty index of an empty input', () => {
  const root = tempDir('shard-cli-settings');
  writeTokenDataset(path.join(root, 'in'), makeDocs(200, 7));
  // As a user runs it: relative paths from the working directory.
  const run = (args: string[]) => spawnSync(process.execPath, [bin, 'shard', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, KILN_LOG: 'silent' } });
  assert.equal(run(['--in', 'in', '--out', 'sh', '--seq-len', '16', '--eos', String(EOS)]).status, 0);
  const changed = run(['--in', 'in', '--out', 'sh', '--seq-len', '32', '--eos', String(EOS)]);
  assert.equal(changed.status, 1, changed.stderr);
  assert.match(changed.stderr, /KILN_CONFIG_CHANGED.*seq_len 16 -> 32/);
  assert.equal(readShardIndexFile(path.join(root, 'sh'))!.seq_len, 16);
  const same = run(['--in', 'in', '--out', 'sh', '--seq-len', '16', '--eos', String(EOS)]);
  assert.equal(same.status, 0);
  assert.match(same.stderr, /up to date/);
  const over = run(['--in', 'in', '--out', 'sh', '--seq-len', '32', '--eos', String(EOS), '--overwrite']);
  assert.equal(over.status, 0, over.stderr);
  const index = readShardIndexFile(path.join(root, 'sh'))!;
  assert.equal(index.seq_len, 32);
  assert.equal(index.generations.length, 1);

  const weighted = run(['--in', 'in', 'in', '--weights', '2,0', '--out', 'w', '--seq-len', '16', '--eos', String(EOS), '--json']);
  assert.equal(weighted.status, 0, weighted.stderr);
  const s = JSON.parse(weighted.stdout) as { documents: { train: number; val: number } };
  const w = readShardIndexFile(path.join(root, 'w'))!;
  assert.equal(s.documents.train, w.splits.train.documents);
  assert.equal(s.documents.train + s.documents.val, 400);

  // --weights 2,0.5 over two datasets of 200: every document of the first twice, a seeded half of
  // the second; the summary counts the copies (unweighted it said 400), as index.json does.
  writeTokenDataset(path.join(root, 'in2'), makeDocs(200, 8, 'other'));
  const mixed = run(['--in', 'in', 'in2', '--weights', '2,0.5', '--out', 'mix', '--seq-len', '16', '--eos', String(EOS), '--json']);
  assert.equal(mixed.status, 0, mixed.stderr);
  const ms = JSON.parse(mixed.stdout) as { documents: { train: number; val: number } };
  const mi = readShardIndexFile(path.join(root, 'mix'))!;
  const mixedTotal = ms.documents.train + ms.documents.val;
  assert.deepEqual([ms.documents.train, ms.documents.val], [mi.splits.train.documents, mi.splits.val.documents]);
  assert.ok(mixedTotal > 400 + 50 && mixedTotal < 600 - 50, `2 x 200 + about half of 200, got ${mixedTotal}`);

  const mega = run(['--in', 'in', '--out', 'm', '--seq-len', '16', '--eos', String(EOS), '--format', 'megatron', '--json']);
  assert.equal((JSON.parse(mega.stdout) as { shards: { train: number } }).shards.train, 1, '.bin + .idx is one shard');

  mkdirSync(path.join(root, 'empty'));
  const empty = run(['--in', 'empty', '--out', 'e', '--seq-len', '16', '--eos', String(EOS)]);
  assert.equal(empty.status, 0, empty.stderr);
  const e = readShardIndexFile(path.join(root, 'e'))!;
  assert.equal(e.splits.train.sequences + e.splits.val.sequences, 0);

  for (const bad of [['--val-fraction', '2'], ['--seq-len', '0'], ['--seq-len', '100000000']]) {
    const args = ['--in', 'in', '--out', 'x', '--seq-len', '16', '--eos', String(EOS), ...bad];
    const r = run(args);
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /KILN_USAGE/);
  }
});
