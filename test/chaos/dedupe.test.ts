import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readDocuments } from '../../core/input-files.js';
import { rng, text } from '../core/corpus.js';
import { kilnBin } from '../core/project-paths.js';
import { chaos, runNode } from './chaos-harness.js';

async function keptIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const d of readDocuments([dir])) ids.push(d.id);
  return ids.sort();
}

test('dedupe survives 10 SIGKILLs across its phases: the same kept set', { timeout: 600_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-dedupe-'));
  const docs = path.join(dir, 'docs');
  await fs.mkdir(docs);
  const r = rng(21);
  for (let f = 0; f < 6; f++) {
    const lines: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const base = text(r, 80 + Math.floor(r() * 120));
      lines.push(JSON.stringify({ id: `d${f}-${i}`, text: base }));
      // Every 10th document gets an exact copy, every 15th a near copy (one word changed).
      if (i % 10 === 0) lines.push(JSON.stringify({ id: `d${f}-${i}-copy`, text: base }));
      if (i % 15 === 0) lines.push(JSON.stringify({ id: `d${f}-${i}-near`, text: base.replace(/^\S+/, 'changed') }));
    }
    await fs.writeFile(path.join(docs, `docs-${f}.jsonl`), lines.join('\n') + '\n');
  }
  const args = (out: string) => [kilnBin, 'dedupe', '--in', docs, '--out', out];
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  const want = await keptIds(reference);
  assert.ok(want.length < 6 * 1500 + 6 * 150, 'duplicates were removed');
  const out = path.join(dir, 'out');
  const result = await chaos({ args: args(out), out, kills: 10, delays: { referenceMs: ref.ms }, seed: 6, check: async () => assert.deepEqual(await keptIds(out), want) });
  assert.equal(result.kills, 10);
  process.stdout.write(`# dedupe chaos: ${result.kills} kills, ${result.completions} checked completions, ${want.length} kept\n`);
});
