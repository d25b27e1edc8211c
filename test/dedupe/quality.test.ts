import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDedupe } from '../../dedupe/dedupe-run.js';
import { readDocuments, listInputFiles, readInputRows } from '../../core/input-files.js';
import { makeCorpus, writeJsonl } from './corpus.js';

process.env.KILN_LOG = 'silent';

async function ids(dir: string): Promise<Set<string>> {
  const s = new Set<string>();
  for await (const d of readDocuments([dir])) s.add(d.id);
  return s;
}

test('generated corpus: exact copies removed, near pairs found, dissimilar pairs and singletons kept', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-q-'));
  try {
    const c = makeCorpus({ seed: 42, singletons: 1500, exactGroups: 60, pairs: 400, maxEdit: 0.25 });
    writeJsonl(path.join(tmp, 'in'), c.docs, 3);
    // 1 MB forces several sorted-run chunks, so the k-way merge across chunks is exercised.
    const s = await runDedupe({ inputs: [path.join(tmp, 'in')], out: path.join(tmp, 'out'), memory: 1e6, clusters: path.join(tmp, 'clusters'), workers: 1, keepState: true, quiet: true });
    const kept = await ids(path.join(tmp, 'out'));
    assert.equal(s.kept, kept.size);
    assert.equal(s.documents, c.docs.length);

    // Exact: exactly one survivor per group of copies, and it is the earliest in input order.
    const order = new Map(c.docs.map((d, i) => [d.id, i]));
    for (const g of c.exactGroups) {
      const survivors = g.filter((x) => kept.has(x));
      assert.equal(survivors.length, 1, `group ${g.join(',')} kept ${survivors.length}`);
      const earliest = [...g].sort((a, b) => order.get(a)! - order.get(b)!)[0];
      assert.equal(survivors[0], earliest);
    }

    const high = c.pairs.filter((p) => p.jaccard >= 0.85);
    const low = c.pairs.filter((p) => p.jaccard < 0.6);
    assert.ok(high.length >= 50 && low.length >= 100, `corpus has ${high.length} high and ${low.length} low pairs`);
    const recall = high.filter((p) => !(kept.has(p.a) && kept.has(p.b))).length / high.length;
    const lost = low.filter((p) => !(kept.has(p.a) && kept.has(p.b))).length / low.length;
    const singles = c.singletons.filter((x) => kept.has(x)).length / c.singletons.length;
    t.diagnostic(`pairs J>=0.85: ${high.length}, recall ${recall.toFixed(4)}; pairs J<0.6: ${low.length}, losing a doc ${lost.toFixed(4)}; singletons kept ${singles.toFixed(4)}`);
    assert.ok(recall >= 0.95, `recall at J >= 0.85: ${recall}`);
    assert.ok(lost <= 0.01, `pairs with J < 0.6 losing a document: ${lost}`);
    assert.ok(singles >= 0.995, `singletons kept: ${singles}`);
    // A near pair never loses both documents.
    for (const p of c.pairs) assert.ok(kept.has(p.a) || kept.has(p.b));

    // SUCCESS.json carries the counts.
    const success = JSON.parse(readFileSync(path.join(tmp, 'out', '_kiln', 'SUCCESS.json'), 'utf8'));
    assert.equal(success.stats.kept, kept.size);
    assert.equal(success.stats.kept + success.stats.dropped_exact + success.stats.dropped_near, c.docs.length);
    assert.ok(success.stats.dropped_exact >= c.exactGroups.reduce((n, g) => n + g.length - 1, 0));

    // All input columns survive, values intact.
    const byId = new Map(c.docs.map((d) => [d.id, d]));
    const [part] = await listInputFiles([path.join(tmp, 'out')]);
    for await (const row of readInputRows(part)) {
      const d = byId.get(row.id as string)!;
      assert.deepEqual([row.text, row.url, row.lang], [d.text, d.url, d.lang]);
    }

    // Clusters: every dropped document is listed with a cluster whose survivor is listed as kept.
    const clusters = new Map<string, { cluster: number; kept: boolean; reason: string }>();
    for (const files of await listInputFiles([path.join(tmp, 'clusters')])) for await (const r of readInputRows(files)) clusters.set(r.id as string, r as never);
    assert.equal([...clusters.values()].filter((r) => !r.kept).length, c.docs.length - kept.size);
    const keptClusters = new Set([...clusters.values()].filter((r) => r.kept).map((r) => Number(r.cluster)));
    for (const [id, r] of clusters) {
      assert.equal(r.kept, kept.has(id), `${id}: kept flag`);
      assert.ok(keptClusters.has(Number(r.cluster)), `cluster ${r.cluster} has a survivor`);
      assert.ok(r.kept ? r.reason === 'kept' : r.reason === 'exact' || r.reason === 'near');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('exact-only and keep=last: copies go, near pairs stay, the latest copy survives', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-x-'));
  try {
    const c = makeCorpus({ seed: 5, singletons: 200, exactGroups: 30, pairs: 60, maxEdit: 0.05 });
    writeJsonl(path.join(tmp, 'in'), c.docs, 2);
    const s = await runDedupe({ inputs: [path.join(tmp, 'in')], out: path.join(tmp, 'out'), config: { exactOnly: true, keep: 'last' }, workers: 1, quiet: true });
    const kept = await ids(path.join(tmp, 'out'));
    const order = new Map(c.docs.map((d, i) => [d.id, i]));
    for (const g of c.exactGroups) {
      const latest = [...g].sort((a, b) => order.get(b)! - order.get(a)!)[0];
      assert.deepEqual(g.filter((x) => kept.has(x)), [latest]);
    }
    assert.equal(s.dropped_near, 0);
    // Near pairs that are not identical both survive an exact-only run.
    for (const p of c.pairs) if (p.jaccard < 1) assert.ok(kept.has(p.a) && kept.has(p.b));
    // A rerun of a finished output is skipped and reports the same counts.
    const again = await runDedupe({ inputs: [path.join(tmp, 'in')], out: path.join(tmp, 'out'), config: { exactOnly: true, keep: 'last' }, workers: 1, quiet: true });
    assert.equal(again.skipped, true);
    assert.equal(again.kept, s.kept);
    await assert.rejects(runDedupe({ inputs: [path.join(tmp, 'in')], out: path.join(tmp, 'out'), config: { threshold: 0.7 }, workers: 1, quiet: true }), { code: 'KILN_CONFIG_CHANGED' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
