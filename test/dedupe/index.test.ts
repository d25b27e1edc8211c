import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDedupe } from '../../dedupe/dedupe-run.js';
import { readDocuments } from '../../core/input-files.js';
import { makeCorpus, rng, trueJaccard, writeJsonl, type CorpusDoc } from './corpus.js';

process.env.KILN_LOG = 'silent';

async function docs(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for await (const d of readDocuments([dir])) m.set(d.id, d.text);
  return m;
}

test('with --index, a second run drops documents duplicating the first run and adds its survivors', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-i-'));
  try {
    const index = path.join(tmp, 'index');
    const first = makeCorpus({ seed: 1, singletons: 250, exactGroups: 20, pairs: 40, idPrefix: "a" });
    writeJsonl(path.join(tmp, 'in1'), first.docs, 2);
    const s1 = await runDedupe({ inputs: [path.join(tmp, 'in1')], out: path.join(tmp, 'out1'), config: { index }, workers: 1, quiet: true });
    const kept1 = await docs(path.join(tmp, 'out1'));
    assert.equal(s1.index?.generations, 1);

    // Run 2: fresh documents, plus exact and near copies of run 1's survivors.
    const rand = rng(9);
    const fresh = makeCorpus({ seed: 2, singletons: 150, exactGroups: 0, pairs: 0, idPrefix: "b" });
    const earlier = [...kept1.entries()];
    const copies: CorpusDoc[] = [];
    for (let i = 0; i < 40; i++) {
      const [, text] = earlier[Math.floor(rand() * earlier.length)];
      const variant = i % 2 === 0 ? text.toUpperCase() : text.split(' ').map((w, j) => (j === 7 ? 'zzz' + j : w)).join(' ');
      copies.push({ id: `copy${i}`, text: variant, url: `https://copy/${i}`, lang: 'en' });
    }
    const run2 = [...fresh.docs, ...copies].sort(() => rand() - 0.5);
    writeJsonl(path.join(tmp, 'in2'), run2, 2);
    const s2 = await runDedupe({ inputs: [path.join(tmp, 'in2')], out: path.join(tmp, 'out2'), config: { index }, workers: 1, quiet: true });
    const kept2 = await docs(path.join(tmp, 'out2'));
    assert.equal(s2.index?.generations, 2);

    for (const c of copies) assert.ok(!kept2.has(c.id), `${c.id} duplicates run 1 but was kept: J=${Math.max(...[...kept1.values()].map((t) => trueJaccard(t, c.text)))}`);
    for (const d of fresh.docs) assert.ok(kept2.has(d.id), `${d.id} is new but was dropped`);
    // Run 3 repeats run 2's input against the grown index: everything is now a duplicate.
    const s3 = await runDedupe({ inputs: [path.join(tmp, 'in2')], out: path.join(tmp, 'out3'), config: { index }, workers: 1, quiet: true });
    assert.equal(s3.kept, 0);
    const manifest = JSON.parse(readFileSync(path.join(index, 'index.json'), 'utf8'));
    assert.deepEqual(manifest.generations.map((g: { docs: number }) => g.docs), [kept1.size, kept2.size, 0]);
    // Rerunning a finished run does not add a generation twice.
    await runDedupe({ inputs: [path.join(tmp, 'in2')], out: path.join(tmp, 'out2'), config: { index }, workers: 1, quiet: true });
    assert.equal(JSON.parse(readFileSync(path.join(index, 'index.json'), 'utf8')).generations.length, 3);
    // An index built with other MinHash settings is refused, naming them.
    await assert.rejects(
      runDedupe({ inputs: [path.join(tmp, 'in2')], out: path.join(tmp, 'out4'), config: { index, bands: 16, rows: 7 }, workers: 1, quiet: true }),
      (err: Error & { code?: string }) => err.code === 'KILN_CONFIG' && /14 bands x 8 rows/.test(err.message),
    );
  } finally {
    if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true }); else console.log(tmp);
  }
});
