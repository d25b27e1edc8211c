// Signature throughput per core: kiln's per-document work in the signature phase (exact hash of
// the normalised text + 112-permutation MinHash over word 5-grams) against datasketch's algorithm
// in numpy (peer_minhash.py), side by side on the same documents, alternating, median of 3.
// Also the word splitters considered: kiln's table-driven scanner, a \p{L}\p{N} regex, and
// Intl.Segmenter.
//   node dist/bench/dedupe/signatures.js [--mb 20] [--report FILE]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exactHash } from '../../dedupe/exact-hash.js';
import { MinHasher } from '../../dedupe/minhash.js';
import { median } from '../median.js';
import { printResult } from '../result-line.js';
import { benchData } from '../../test/core/project-paths.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '20' }, report: { type: 'string' } } });
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
// A missing input is a failed bench, not a quiet skip (bench/README.md).
const source = benchData('dedupe signatures bench', 'text/tinyshakespeare.txt');
const base = readFileSync(source, 'utf8');
const docs: string[] = [];
let bytes = 0;
let seed = 1;
while (bytes < Number(values.mb) * 1e6) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  const len = 1000 + (seed % 4000);
  const start = seed % (base.length - len);
  const d = base.slice(start, start + len);
  docs.push(d);
  bytes += Buffer.byteLength(d);
}

// MB per CPU-second of this (single) thread: on a machine shared by several agents, wall time
// measures the neighbours; CPU time measures the code. Wall MB/s is reported beside it.
interface Rate {
  cpu: number;
  wall: number;
}

function rate(run: () => void): Rate {
  const c = process.cpuUsage();
  const t = performance.now();
  run();
  const used = process.cpuUsage(c);
  return { cpu: bytes / 1e6 / ((used.user + used.system) / 1e6), wall: bytes / 1e6 / ((performance.now() - t) / 1000) };
}

function kiln(): Rate {
  const h = new MinHasher({ ngram: 5, permutations: 112 });
  const sig = new Uint32Array(112);
  const ex = new Uint32Array(2);
  return rate(() => {
    for (const d of docs) {
      exactHash(d, ex);
      h.signature(d, sig);
    }
  });
}

function minhashOnly(): Rate {
  const h = new MinHasher({ ngram: 5, permutations: 112 });
  const sig = new Uint32Array(112);
  return rate(() => {
    for (const d of docs) h.signature(d, sig);
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-sigbench-'));
const jsonl = path.join(tmp, 'docs.jsonl');
writeFileSync(jsonl, docs.map((text) => JSON.stringify({ text })).join('\n'));
// The peer gets a fifth of the documents: it is far slower, and MB/s does not depend on count.
const peerJsonl = path.join(tmp, 'peer.jsonl');
writeFileSync(peerJsonl, docs.slice(0, Math.ceil(docs.length / 5)).map((text) => JSON.stringify({ text })).join('\n'));
function peer(): Rate | undefined {
  const r = spawnSync('python3', [path.resolve(root, 'bench/dedupe/peer_minhash.py'), peerJsonl], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const o = JSON.parse(r.stdout) as { mb_per_s: number; mb_per_cpu_s: number };
  return { cpu: o.mb_per_cpu_s, wall: o.mb_per_s };
}

kiln(); // warm-up (JIT)
const k: Rate[] = [];
const m: Rate[] = [];
const p: Rate[] = [];
for (let i = 0; i < 3; i++) {
  k.push(kiln());
  m.push(minhashOnly());
  const x = peer();
  if (x !== undefined) p.push(x);
}
rmSync(tmp, { recursive: true, force: true });

function splitters(): Array<[string, number]> {
  const h = new MinHasher({ ngram: 5, permutations: 1 });
  const re = /[\p{L}\p{N}\p{M}]+/gu;
  const seg = new Intl.Segmenter('en', { granularity: 'word' });
  const sample = docs.slice(0, Math.ceil(docs.length / 10));
  const sampleBytes = sample.reduce((s, d) => s + Buffer.byteLength(d), 0);
  const time = (f: (d: string) => number): number => {
    const c = process.cpuUsage();
    let n = 0;
    for (const d of sample) n += f(d);
    if (n < 0) console.log(n);
    const used = process.cpuUsage(c);
    return sampleBytes / 1e6 / ((used.user + used.system) / 1e6);
  };
  return [
    ['kiln scanner (tables, hashes words in place)', median([0, 1, 2].map(() => time((d) => h.scanWords(d))))],
    ['regex /[\\p{L}\\p{N}\\p{M}]+/gu + toLowerCase', median([0, 1, 2].map(() => time((d) => d.toLowerCase().match(re)?.length ?? 0)))],
    ['Intl.Segmenter (word, isWordLike)', median([0].map(() => time((d) => { let n = 0; for (const s of seg.segment(d)) if (s.isWordLike) n++; return n; })))],
  ];
}
const split = splitters();
const cpu = (xs: Rate[]): string => median(xs.map((x) => x.cpu)).toFixed(1);
const wall = (xs: Rate[]): string => median(xs.map((x) => x.wall)).toFixed(1);
const lines = [
  `${docs.length} documents, ${(bytes / 1e6).toFixed(1)} MB (tinyshakespeare slices of 1-5 KB), one thread, median of 3 alternating runs`,
  '',
  '| what | MB per CPU-second (one core) | wall MB/s (machine shared) |',
  '|---|---|---|',
  `| kiln signature phase (exact hash + MinHash 112 perms, 5-grams) | ${cpu(k)} | ${wall(k)} |`,
  `| kiln MinHash only | ${cpu(m)} | ${wall(m)} |`,
  p.length ? `| peer: datasketch algorithm in numpy (sha1 + 112 affine perms) | ${cpu(p)} | ${wall(p)} |` : '| peer | python3/numpy unavailable | |',
  p.length ? `| ratio kiln signature phase / peer | ${(median(k.map((x) => x.cpu)) / median(p.map((x) => x.cpu))).toFixed(1)}x | ${(median(k.map((x) => x.wall)) / median(p.map((x) => x.wall))).toFixed(1)}x |` : '',
  '',
  '| word splitter | MB per CPU-second |',
  '|---|---|',
  ...split.map(([n, v]) => `| ${n} | ${v.toFixed(1)} |`),
].filter((l, i, a) => l !== '' || a[i - 1] !== '');
console.log(lines.join('\n'));
if (!p.length) throw new Error('the peer (python3 with numpy) did not run: no ratio');
printResult({ bench: 'signatures', what: 'dedupe signatures (exact hash + MinHash 112), MB per CPU-second', peer: 'datasketch algorithm in numpy', ratio: median(k.map((x) => x.wall)) / median(p.map((x) => x.wall)), cpuRatio: median(k.map((x) => x.cpu)) / median(p.map((x) => x.cpu)) });
if (values.report) writeFileSync(values.report, lines.join('\n') + '\n');
