// bench/dedupe: a dedupe run against a persistent index of many generations (one per
// incremental run), before and after `kiln compact-index`, on the same probe input and a copy of
// the same index each time; checks that both keep the same documents.
// Run: npx tsc -p . && node dist/bench/dedupe/index-compaction.js [generations=300]
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDedupe } from '../../dedupe/dedupe-run.js';
import { compactIndex } from '../../dedupe/index-compaction.js';
import { makeCorpus, writeJsonl } from '../../test/dedupe/corpus.js';
import { median } from '../median.js';

process.env.KILN_LOG = 'silent';
const generations = Number(process.argv[2] ?? 300);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-compact-'));
const index = path.join(tmp, 'index');
let t0 = performance.now();
for (let g = 0; g < generations; g++) {
  const c = makeCorpus({ seed: 100 + g, singletons: 60, exactGroups: 3, pairs: 3, idPrefix: `g${g}-` });
  writeJsonl(path.join(tmp, `in${g}`), c.docs, 1);
  await runDedupe({ inputs: [path.join(tmp, `in${g}`)], out: path.join(tmp, `out${g}`), config: { index }, workers: 1, quiet: true });
}
console.log(`built ${generations} generations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const probe = makeCorpus({ seed: 999, singletons: 300, exactGroups: 10, pairs: 10, idPrefix: 'p-' });
writeJsonl(path.join(tmp, 'probe'), probe.docs, 2);
const compacted = path.join(tmp, 'compacted');
cpSync(index, compacted, { recursive: true });
t0 = performance.now();
const result = await compactIndex(compacted);
console.log(`compact-index: ${result.generationsBefore} -> ${result.generationsAfter} generations (${result.documents} documents) in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
const times: Record<string, number[]> = { plain: [], compacted: [] };
const kept: Record<string, number> = {};
for (let rep = 0; rep < 3; rep++) {
  for (const [name, dir] of [['plain', index], ['compacted', compacted]] as const) {
    const copy = path.join(tmp, `index-${name}-${rep}`);
    cpSync(dir, copy, { recursive: true });
    t0 = performance.now();
    const s = await runDedupe({ inputs: [path.join(tmp, 'probe')], out: path.join(tmp, `probe-${name}-${rep}`), config: { index: copy }, workers: 1, quiet: true });
    times[name].push((performance.now() - t0) / 1000);
    kept[name] = s.kept;
  }
}
if (kept.plain !== kept.compacted) throw new Error(`kept differs: ${kept.plain} vs ${kept.compacted}`);
console.log(`a run against ${generations} generations: ${median(times.plain).toFixed(2)} s; against the compacted index: ${median(times.compacted).toFixed(2)} s (${(median(times.plain) / median(times.compacted)).toFixed(2)}x); kept ${kept.plain} both`);
rmSync(tmp, { recursive: true, force: true });
