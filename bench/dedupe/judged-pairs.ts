// Precision and recall of kiln's near-duplicate decision on human-judged web page pairs
// (../shared/data/dedup/copycat-canonical-link-judgments.dev.jsonl.gz, CopyCat, Webis): label >= 2
// counts as duplicate, <= 1 as not, null is skipped. For each threshold the decision is exactly
// the pipeline's: the pair shares an LSH band (14 x 8) AND the signature's estimated Jaccard
// reaches the threshold. Rows for the estimate alone (no LSH) and for the true word 5-gram
// Jaccard show what LSH and estimation cost. No peer: CopyCat's own S3 score on word 8-grams
// (a field of the file) is reported at the same thresholds as the reference detector.
//   node dist/bench/dedupe/judged-pairs.js [--report FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { MinHasher, estimatedJaccard } from '../../dedupe/minhash.js';
import { bandKeys } from '../../dedupe/lsh.js';
import { exactJaccard } from '../../dedupe/exact-jaccard.js';
import { printResult } from '../result-line.js';
import { benchData } from '../../test/core/project-paths.js';

interface Pair {
  label: number | null;
  s3: number;
  first_doc: string;
  second_doc: string;
}

const { values } = parseArgs({ options: { report: { type: 'string' } } });
const file = benchData('judged-pairs bench', 'dedup/copycat-canonical-link-judgments.dev.jsonl.gz');
const all = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Pair);
const pairs = all.filter((p) => p.label !== null);
const unlabelled = all.length - pairs.length;
const bands = 14;
const rows = 8;
const P = bands * rows;
const hasher = new MinHasher({ ngram: 5, permutations: P });
const scored = pairs.map((p) => {
  const a = new Uint32Array(P);
  const b = new Uint32Array(P);
  hasher.signature(p.first_doc, a);
  hasher.signature(p.second_doc, b);
  const ka = new Uint32Array(2 * bands);
  const kb = new Uint32Array(2 * bands);
  bandKeys(a, { bands, rows }, ka);
  bandKeys(b, { bands, rows }, kb);
  let shared = false;
  for (let i = 0; i < bands; i++) if (ka[2 * i] === kb[2 * i] && ka[2 * i + 1] === kb[2 * i + 1]) shared = true;
  return { dup: p.label! >= 2, est: estimatedJaccard(a, b), shared, truth: exactJaccard(p.first_doc, p.second_doc, 5), s3: p.s3 };
});
const positives = scored.filter((s) => s.dup).length;
const lines = [
  `${scored.length} judged pairs (${positives} duplicates: label >= 2; ${scored.length - positives} not: label <= 1; ${unlabelled} unlabelled of ${all.length} skipped)`,
  '',
  '| threshold | detector | precision | recall | F1 | flagged |',
  '|---|---|---|---|---|---|',
];
// kiln's decision at its default threshold, for bench/run.js's summary.
let at08 = { precision: NaN, recall: NaN };
for (const t of [0.5, 0.6, 0.7, 0.8, 0.9]) {
  const detectors: Array<[string, (s: (typeof scored)[number]) => boolean]> = [
    ['kiln (LSH 14x8 + estimate)', (s) => s.shared && s.est >= t],
    ['estimate only (no LSH)', (s) => s.est >= t],
    ['true 5-gram Jaccard', (s) => s.truth >= t],
    ['CopyCat S3 (8-grams)', (s) => s.s3 >= t],
  ];
  for (const [name, flag] of detectors) {
    const flagged = scored.filter(flag);
    const tp = flagged.filter((s) => s.dup).length;
    const precision = flagged.length ? tp / flagged.length : 1;
    const recall = tp / positives;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    if (t === 0.8 && flag === detectors[0][1]) at08 = { precision, recall };
    lines.push(`| ${t} | ${name} | ${precision.toFixed(3)} | ${recall.toFixed(3)} | ${f1.toFixed(3)} | ${flagged.length} |`);
  }
}
console.log(lines.join('\n'));
printResult({ bench: 'dedupe-judged', what: 'near-duplicates vs human labels, threshold 0.8', peer: 'CopyCat judgments', figure: `P ${at08.precision.toFixed(3)} / R ${at08.recall.toFixed(3)} (${unlabelled} unlabelled skipped)`, precision: at08.precision, recall: at08.recall, unlabelled });
if (values.report) writeFileSync(values.report, lines.join('\n') + '\n');
