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

test('compact-index merges the generations into one; a run against it keeps exactly what it would have kept', async () => {
  const { compactIndex } = await import('../../dedupe/index-compaction.js');
  const { addGeneration, pinIndex } = await import('../../dedupe/index-store.js');
  const { cpSync, mkdirSync, readdirSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const { kilnBin } = await import('../core/project-paths.js');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-compact-'));
  try {
    const index = path.join(tmp, 'index');
    // Three runs, the middle one exact-only, each adding a generation.
    const kept: string[] = [];
    for (const [i, exactOnly] of [[1, false], [2, true], [3, false]] as const) {
      const corpus = makeCorpus({ seed: 10 + i, singletons: 120, exactGroups: 10, pairs: 15, idPrefix: `r${i}-` });
      writeJsonl(path.join(tmp, `in${i}`), corpus.docs, 2);
      await runDedupe({ inputs: [path.join(tmp, `in${i}`)], out: path.join(tmp, `out${i}`), config: { index, exactOnly }, workers: 1, quiet: true });
      kept.push(...(await docs(path.join(tmp, `out${i}`))).values());
    }
    const before = JSON.parse(readFileSync(path.join(index, 'index.json'), 'utf8')) as { generations: { name: string; docs: number }[] };
    assert.equal(before.generations.length, 3);

    // Run 4's input: fresh documents, exact and near copies of documents the index holds.
    const rand = rng(4);
    const fresh = makeCorpus({ seed: 40, singletons: 80, exactGroups: 0, pairs: 0, idPrefix: 'r4-' });
    const copies: CorpusDoc[] = [];
    for (let i = 0; i < 60; i++) {
      const text = kept[Math.floor(rand() * kept.length)];
      const variant = i % 2 === 0 ? text.toUpperCase() : text.split(' ').map((w, j) => (j === 5 ? `zz${j}` : w)).join(' ');
      copies.push({ id: `copy${i}`, text: variant, url: `https://copy/${i}`, lang: 'en' });
    }
    writeJsonl(path.join(tmp, 'in4'), [...fresh.docs, ...copies], 2);

    const compacted = path.join(tmp, 'compacted');
    cpSync(index, compacted, { recursive: true });
    // An unfinished run pins the index: compaction refuses, naming it.
    mkdirSync(path.join(tmp, 'unfinished'));
    await pinIndex(compacted, { generation: 'gen-x', out: path.join(tmp, 'unfinished') });
    await assert.rejects(compactIndex(compacted), (e: Error & { code?: string }) => e.code === 'KILN_INDEX_PINNED' && e.message.includes('unfinished'));
    rmSync(path.join(tmp, 'unfinished'), { recursive: true });
    // Two generations per pass: two passes.
    const result = await compactIndex(compacted, { fanIn: 2 });
    assert.deepEqual([result.generationsBefore, result.generationsAfter], [3, 1]);
    const after = JSON.parse(readFileSync(path.join(compacted, 'index.json'), 'utf8')) as { generations: { name: string; docs: number; merged: string[] }[] };
    assert.equal(after.generations[0].docs, before.generations.reduce((s, g) => s + g.docs, 0));
    assert.deepEqual([...after.generations[0].merged].filter((n) => !n.includes('compact')).sort(), before.generations.map((g) => g.name).sort());
    assert.deepEqual(readdirSync(compacted).filter((n) => !n.startsWith('.')).sort(), [after.generations[0].name, 'index.json', 'pins'].sort(), 'old generations and the stale pin are gone');
    assert.deepEqual(readdirSync(path.join(compacted, 'pins')), []);

    const plain = await runDedupe({ inputs: [path.join(tmp, 'in4')], out: path.join(tmp, 'out4-plain'), config: { index }, workers: 1, quiet: true });
    const viaCompacted = await runDedupe({ inputs: [path.join(tmp, 'in4')], out: path.join(tmp, 'out4-compacted'), config: { index: compacted }, workers: 1, quiet: true });
    assert.deepEqual([...(await docs(path.join(tmp, 'out4-compacted'))).keys()].sort(), [...(await docs(path.join(tmp, 'out4-plain'))).keys()].sort());
    assert.deepEqual([viaCompacted.kept, viaCompacted.dropped_exact, viaCompacted.dropped_near], [plain.kept, plain.dropped_exact, plain.dropped_near]);
    assert.ok(plain.dropped_exact > 0 && plain.dropped_near > 0, `the index mattered: ${plain.dropped_exact} exact, ${plain.dropped_near} near`);

    // A generation merged into the compacted one is not added again (a resumed run re-adding its own).
    let built = false;
    const again = await addGeneration(compacted, { ngram: 5, bands: 14, rows: 8 }, { name: before.generations[0].name, near: true, addedBy: 'x' }, async () => {
      built = true;
      return 0;
    });
    assert.equal(built, false);
    assert.equal(again.name, after.generations[0].name);

    // The CLI: compacting the plain index (now 4 generations) prints its summary.
    const cli = spawnSync(process.execPath, [kilnBin, 'compact-index', index, '--json'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const summary = JSON.parse(cli.stdout) as { generationsBefore: number; generationsAfter: number };
    assert.deepEqual([summary.generationsBefore, summary.generationsAfter], [4, 1]);
  } finally {
    if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true }); else console.log(tmp);
  }
});
