import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readDocuments } from '../../core/input-files.js';
import { kilnBin, requireSharedData } from '../core/project-paths.js';
import { writeContaminationCorpus } from '../dedupe/contamination-corpus.js';
import { chaos, runNode } from './chaos-harness.js';

// Every row of the output and of excluded/, sorted: a kill must neither lose nor repeat one.
async function snapshot(out: string): Promise<string[]> {
  const all: string[] = [];
  for (const dir of [out, path.join(out, 'excluded')]) for await (const d of readDocuments([dir])) all.push(JSON.stringify(d));
  return all.sort();
}

test('decontaminate survives 6 SIGKILLs: the same kept and excluded rows', { timeout: 600_000 }, async (t) => {
  const shared = requireSharedData(t, 'text');
  if (!shared) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-decon-'));
  const c = writeContaminationCorpus(path.dirname(shared), dir);
  const args = (out: string) => [kilnBin, 'decontaminate', '--in', ...c.docFiles, '--eval', c.evalFile, '--out', out, '--tasks', '4', '--workers', '2'];
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  const want = await snapshot(reference);
  assert.equal(want.length, 5000, '4,800 kept + 200 excluded');
  const out = path.join(dir, 'out');
  const result = await chaos({ args: args(out), out, kills: 6, delays: { referenceMs: ref.ms }, seed: 19, check: async () => assert.deepEqual(await snapshot(out), want) });
  assert.equal(result.kills, 6);
  process.stdout.write(`# decontaminate chaos: ${result.kills} kills, ${result.completions} checked completions\n`);
});
