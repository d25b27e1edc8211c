import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../../core/input-files.js';
import { makeCorpus, writeJsonl } from './corpus.js';

const child = fileURLToPath(new URL('./resume-child.js', import.meta.url));

interface Kill {
  event: string;
  stage?: string;
  step?: number;
  delayMs?: number;
}

function runChild(inputs: string[], out: string, index: string, kill?: Kill): { signal: NodeJS.Signals | null; status: number | null; result?: { kept: number; marks: Record<string, number> } } {
  // A tiny budget splits the sorted runs into several chunks, so a kill can land between them.
  const spec = { inputs, out, index, memory: 3e5, kill };
  const r = spawnSync(process.execPath, [child], { env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_DEDUPE_CHILD: JSON.stringify(spec), KILN_LOG: '' }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0 && r.signal !== 'SIGKILL') throw new Error(`child failed (${r.status ?? r.signal}): ${r.stderr}`);
  return { signal: r.signal, status: r.status, result: r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)!) : undefined };
}

async function keptIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const d of readDocuments([dir])) ids.push(d.id);
  return ids.sort();
}

test('SIGKILL in each phase, then a resume, gives the same kept set as an uninterrupted run', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-r-'));
  try {
    const c = makeCorpus({ seed: 77, singletons: 700, exactGroups: 40, pairs: 150 });
    const inputs = writeJsonl(path.join(tmp, 'in'), c.docs, 4);
    const base = runChild(inputs, path.join(tmp, 'base'), path.join(tmp, 'base-index'));
    assert.equal(base.status, 0);
    const expected = await keptIds(path.join(tmp, 'base'));
    assert.equal(expected.length, base.result!.kept);
    const m = base.result!.marks;
    // Timed kills aim at the middle of the phase as the uninterrupted run timed it.
    const sigMs = Math.max(1, Math.round(((m['dedupe_run_chunk'] ?? m['stage_done:dedupe-signatures']) - m['stage_start:dedupe-signatures']) / 2));
    const filterMs = Math.max(1, Math.round((m['stage_done:dedupe'] - m['stage_start:dedupe']) / 2));
    const kills: Array<[string, Kill]> = [
      ['signatures', { event: 'stage_start', stage: 'dedupe-signatures', delayMs: sigMs }],
      ['sorted runs', { event: 'dedupe_run_chunk' }],
      ['union-find', { event: 'dedupe_band_done', step: 4 }],
      ['index update', { event: 'stage_start', stage: 'dedupe' }],
      ['filter', { event: 'stage_start', stage: 'dedupe', delayMs: filterMs }],
    ];
    for (const [name, kill] of kills) {
      const out = path.join(tmp, `out-${name.replace(/\W/g, '')}`);
      const index = path.join(tmp, `index-${name.replace(/\W/g, '')}`);
      const killed = runChild(inputs, out, index, kill);
      t.diagnostic(`${name}: ${killed.signal === 'SIGKILL' ? 'killed' : 'finished before the kill'}`);
      if (!kill.delayMs) assert.equal(killed.signal, 'SIGKILL', `${name}: the kill point was reached`);
      const resumed = runChild(inputs, out, index);
      assert.equal(resumed.status, 0);
      assert.deepEqual(await keptIds(out), expected, `${name}: kept set after resume`);
      // The index got this run's survivors exactly once.
      const gens = JSON.parse(readFileSync(path.join(index, 'index.json'), 'utf8')).generations;
      assert.deepEqual(gens.map((g: { docs: number }) => g.docs), [expected.length], `${name}: index generations`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
