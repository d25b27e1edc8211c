import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readManifest, readSuccess } from '../../core/dataset-manifest.js';
import { readDocuments } from '../../core/input-files.js';
import { kilnBin, requireSharedData } from '../core/project-paths.js';
import { writeContaminationCorpus } from '../dedupe/contamination-corpus.js';
import { chaos, runNode } from './chaos-harness.js';

// The whole output but for what a kill legitimately moves: every row of the dataset and of
// excluded/ in reading order (parts by task and chunk), each manifest's identity (stage, config
// hash, inputs, task plan, columns) and each SUCCESS.json's rows, tasks and counters (kept,
// dropped, contaminated:<eval file>). Left out: part boundaries and so bytes (a resumed task
// commits its rows in other chunks), seconds and the wall-clock stamps.
async function snapshot(out: string): Promise<unknown> {
  const all: Record<string, unknown> = {};
  for (const dir of [out, path.join(out, 'excluded')]) {
    const rows: string[] = [];
    for await (const d of readDocuments([dir])) rows.push(JSON.stringify(d));
    const m = (await readManifest(dir))!;
    const s = (await readSuccess(dir))!;
    all[path.relative(out, dir) || '.'] = {
      rows,
      manifest: { stage: m.stage, configHash: m.configHash, inputs: m.inputs, inputFingerprint: m.inputFingerprint, taskCount: m.taskCount, tasks: m.tasks, columns: m.columns },
      success: { stage: s.stage, configHash: s.configHash, tasks: s.tasks, rows: s.rows, stats: s.stats },
    };
  }
  return all;
}

test('decontaminate survives 6 SIGKILLs: the same kept and excluded rows in order, manifests and counters', { timeout: 600_000 }, async (t) => {
  const shared = requireSharedData(t, 'text');
  if (!shared) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-decon-'));
  const c = writeContaminationCorpus(path.dirname(shared), dir);
  const args = (out: string) => [kilnBin, 'decontaminate', '--in', ...c.docFiles, '--eval', c.evalFile, '--out', out, '--tasks', '4', '--workers', '2'];
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  // The reference is written to its own folder: the snapshot holds no path of the output itself.
  const want = (await snapshot(reference)) as Record<string, { rows: string[]; success: { stats: Record<string, number> } }>;
  assert.equal(want['.'].rows.length, 4800, '4,800 kept');
  assert.equal(want.excluded.rows.length, 200, '200 excluded');
  assert.equal(want['.'].success.stats.dropped_contaminated, 200);
  const out = path.join(dir, 'out');
  const result = await chaos({ args: args(out), out, kills: 6, delays: { referenceMs: ref.ms }, seed: 19, check: async () => assert.deepEqual(await snapshot(out), want) });
  assert.equal(result.kills, 6);
  process.stdout.write(`# decontaminate chaos: ${result.kills} kills, ${result.completions} checked completions\n`);
});
