// Decontamination throughput per core: kiln's n-gram lookup (word scanner + 64-bit n-gram keys +
// the typed-array set) against datatrove's algorithm in plain Python (peer_ngram_decont.py), side
// by side on the same documents and the same 10,000-item eval set, alternating who runs first,
// median of the repeats. Both sides are one thread, timed in CPU seconds (the machine is shared,
// so wall time measures the neighbours), reading the documents in memory: the scan is measured,
// not the file reading or the Parquet writing. Documents: lines of real web text (the CCNet
// documents and the scrapinghub article bodies), 3-12 per document, 1 in 25 with an injected
// eval passage. Eval set: tiny-shakespeare cut into 10,000 items of 4 lines. kiln runs with
// --short-items skip (datatrove's rule for items under 13 words), so both find the same documents:
// the run fails unless their counts agree.
//   node dist/bench/decontaminate/decontaminate-vs-datatrove.js [--mb 20] [--reps 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../../core/seeded-random.js';
import { ContaminationFinder } from '../../dedupe/contamination.js';
import { buildEvalIndex } from '../../dedupe/eval-sets.js';
import { webLines } from '../../test/dedupe/contamination-corpus.js';
import { median } from '../median.js';
import { printResult } from '../result-line.js';
import { benchData } from '../../test/core/project-paths.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '20' }, reps: { type: 'string', default: '3' } } });
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
// A missing input is a failed bench, not a quiet skip (bench/README.md).
const shared = benchData('decontaminate bench');
const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-decon-'));
// 20 MB of documents per run: removed however the run ends.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const lines = readFileSync(path.join(shared, 'text/tinyshakespeare.txt'), 'utf8').split('\n');
const items: string[] = [];
for (let i = 0; i + 4 <= lines.length && items.length < 10_000; i += 4) items.push(lines.slice(i, i + 4).join('\n'));
const evalFile = path.join(dir, 'eval.jsonl');
writeFileSync(evalFile, items.map((text, i) => JSON.stringify({ id: `i${i}`, text })).join('\n') + '\n');
const web = webLines(shared);
const r = seededRandom(7);
const docs: string[] = [];
let bytes = 0;
while (bytes < Number(values.mb) * 1e6) {
  const parts: string[] = [];
  const n = 3 + Math.floor(r() * 10);
  for (let k = 0; k < n; k++) parts.push(web[Math.floor(r() * web.length)]);
  if (docs.length % 25 === 7) parts.splice(1, 0, items[Math.floor(r() * items.length)].replace(/\n/g, ' '));
  const d = parts.join('\n');
  docs.push(d);
  bytes += Buffer.byteLength(d);
}
const docsFile = path.join(dir, 'docs.jsonl');
writeFileSync(docsFile, docs.map((text) => JSON.stringify({ text })).join('\n') + '\n');

const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const index = await buildEvalIndex([{ path: evalFile, label: 'eval.jsonl', fingerprint: '' }], { ngram: 13, evalFields: ['text'], shortItems: 'skip', minItemWords: 3, maxNgrams: 1 << 24 });
const finder = new ContaminationFinder(index, 13);
function kilnRun(): { mbPerCpuS: number; contaminated: number } {
  const t0 = cpu();
  let hit = 0;
  for (const d of docs) if (finder.find(d, false).length > 0) hit++;
  return { mbPerCpuS: bytes / 1e6 / (cpu() - t0), contaminated: hit };
}
function peerRun(): { mbPerCpuS: number; contaminated: number } {
  const p = spawnSync('python3', [path.join(root, 'bench/decontaminate/peer_ngram_decont.py'), docsFile, evalFile, '13'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (p.status !== 0) throw new Error(`peer failed: ${p.stderr}`);
  const o = JSON.parse(p.stdout) as { scan_cpu_s: number; bytes: number; contaminated: number };
  return { mbPerCpuS: o.bytes / 1e6 / o.scan_cpu_s, contaminated: o.contaminated };
}
kilnRun(); // warm-up (JIT), as the peer's interpreter needs none
const k: number[] = [];
const p: number[] = [];
let counts = { kiln: 0, peer: 0 };
for (let i = 0; i < Number(values.reps); i++) {
  const order = i % 2 === 0 ? ['kiln', 'peer'] : ['peer', 'kiln'];
  for (const who of order) {
    const res = who === 'kiln' ? kilnRun() : peerRun();
    (who === 'kiln' ? k : p).push(res.mbPerCpuS);
    counts = { ...counts, [who]: res.contaminated };
  }
}
if (counts.kiln !== counts.peer) throw new Error(`not equal work: kiln found ${counts.kiln} contaminated documents, the peer ${counts.peer}`);
console.log(JSON.stringify({
  docs: docs.length, mb: +(bytes / 1e6).toFixed(1), eval_items: items.length, eval_ngrams: index.ngrams.size,
  kiln_mb_per_cpu_s: +median(k).toFixed(1), peer_mb_per_cpu_s: +median(p).toFixed(1), ratio: +(median(k) / median(p)).toFixed(2),
  contaminated: counts, load: os.loadavg().map((x) => +x.toFixed(1)),
}));
printResult({ bench: 'decontaminate', what: 'decontaminate 13-grams, MB per CPU-second', peer: "datatrove's NGramsDecontFilter algorithm (Python)", cpuRatio: median(k) / median(p), figure: `${(median(k) / median(p)).toFixed(2)}x per CPU-second` });
