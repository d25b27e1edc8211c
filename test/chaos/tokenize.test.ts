import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listInputFiles, readInputRows } from '../../core/input-files.js';
import { writeJsonlCorpus } from '../core/corpus.js';
import { kilnBin } from '../core/project-paths.js';
import { chaos, runNode } from './chaos-harness.js';

async function tokenRows(dir: string): Promise<string[]> {
  const rows: string[] = [];
  for (const f of await listInputFiles([dir])) for await (const r of readInputRows(f)) rows.push(`${String(r.id)}\t${(r.tokens as number[]).join(',')}`);
  return rows.sort();
}

test('tokenize survives 10 SIGKILLs: same tokens dataset as an uninterrupted run', { timeout: 600_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-tok-'));
  await writeJsonlCorpus(path.join(dir, 'docs'), 8, 1500, 5);
  const args = (out: string) => [kilnBin, 'tokenize', '--in', path.join(dir, 'docs'), '--out', out, '--tokenizer', 'gpt2', '--tasks', '8', '--part-mb', '0.05'];
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  process.stdout.write(`# reference run: ${ref.ms.toFixed(0)} ms\n`);
  const want = await tokenRows(reference);
  assert.equal(want.length, 8 * 1500);
  const out = path.join(dir, 'out');
  const r = await chaos({
    args: args(out),
    out,
    kills: 10,
    delays: { referenceMs: ref.ms },
    seed: 3,
    check: async () => assert.deepEqual(await tokenRows(out), want),
  });
  assert.equal(r.kills, 10);
  process.stdout.write(`# tokenize chaos: ${r.kills} kills, ${r.completions} checked completions\n`);
});
