import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { encodeParquet } from '../../core/parquet-write.js';
import { rng } from '../core/corpus.js';
import { kilnBin } from '../core/project-paths.js';
import { chaos, runNode } from './chaos-harness.js';

interface IndexView {
  splits: Record<string, { sequences: number; tokens: number; shards: { file: string; checksum: string }[] }>;
}

async function shardsOf(dir: string): Promise<unknown> {
  const index = JSON.parse(await fs.readFile(path.join(dir, 'index.json'), 'utf8')) as IndexView;
  return Object.fromEntries(Object.entries(index.splits).map(([k, s]) => [k, { sequences: s.sequences, tokens: s.tokens, shards: s.shards.map((x) => [x.file, x.checksum]) }]));
}

test('shard survives 10 SIGKILLs: same shards (files, checksums) as an uninterrupted run', { timeout: 600_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-shard-'));
  const tokens = path.join(dir, 'tokens');
  await fs.mkdir(tokens);
  const r = rng(9);
  for (let f = 0; f < 6; f++) {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: `t${f}-${i}`, tokens: Array.from({ length: 20 + Math.floor(r() * 300) }, () => Math.floor(r() * 5000)) }));
    await fs.writeFile(path.join(tokens, `part-${f}.parquet`), encodeParquet([{ name: 'id', type: 'string' }, { name: 'tokens', type: 'int32[]' }], rows));
  }
  const args = (out: string) => [kilnBin, 'shard', '--in', tokens, '--out', out, '--seq-len', '64', '--eos', '0', '--vocab-size', '5000', '--val-fraction', '0.05', '--shard-size', '200KB', '--memory', '1MiB', '--seed', '4'];
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  const want = await shardsOf(reference);
  const out = path.join(dir, 'out');
  const result = await chaos({
    args: args(out),
    out,
    kills: 10,
    delays: { referenceMs: ref.ms },
    seed: 4,
    check: async () => assert.deepEqual(await shardsOf(out), want),
  });
  assert.equal(result.kills, 10);
  process.stdout.write(`# shard chaos: ${result.kills} kills, ${result.completions} checked completions\n`);
});
