// bench/tokenize: `kiln tokenize` (whole process, all cores) against gpt-tokenizer's GPT-2
// encoding on one thread (whole process), side by side on the same ~25 MB of text; alternated,
// repeated, medians. Also kiln with 1 and 2 encode workers to show scaling.
// Run: npx tsc -p . && node dist/bench/tokenize/tokenize-vs-gpt-tokenizer.js [MB] [repeats]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync, readdirSync } from 'node:fs';
import { encode as gptEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { EncodePool } from '../../tokenize/encode-pool.js';
import { loadTokenizer } from '../../tokenize/load.js';
import { loadAverage } from '../load-average.js';
import { writeBenchCorpus } from './corpus.js';
import { median } from '../median.js';
import { timedProcess, type TimedRun } from './timed-process.js';
import { printResult } from '../result-line.js';
import { benchData } from '../../test/core/project-paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const shared = benchData('tokenize bench');
const megabytes = Number(process.argv[2] ?? 25);
const entry = path.join(root, 'dist/cli/bin.js');
const repeats = Number(process.argv[3] ?? 3);

const work = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-tokenize-'));
const input = path.join(work, 'in');
const bytes = writeBenchCorpus(shared, input, megabytes);
// One short document: what a kiln run costs before any real work (start-up, workers, tokenizer).
const tiny = path.join(work, 'tiny');
mkdirSync(tiny);
writeFileSync(path.join(tiny, 'one.jsonl'), JSON.stringify({ id: 'one', text: 'Hello world' }) + '\n');

function timed(cmd: string[]): TimedRun {
  return timedProcess(process.execPath, cmd);
}

function kiln(workers: number | undefined, from = input): { seconds: number; cpu: number; tokens: number } {
  const out = path.join(work, `out-${workers ?? 'all'}`);
  rmSync(out, { recursive: true, force: true });
  const args = [entry, 'tokenize', '--in', from, '--out', out, '--tokenizer', 'gpt2', '--json'];
  if (workers !== undefined) args.push('--workers', String(workers));
  const r = timed(args);
  const summary = JSON.parse(r.stdout) as { stats: { tokens: number } };
  return { seconds: r.seconds, cpu: r.cpu, tokens: summary.stats.tokens };
}

function peer(): { seconds: number; cpu: number; tokens: number } {
  const r = timed([path.join(here, 'gpt-tokenizer-peer.js'), input]);
  return { seconds: r.seconds, cpu: r.cpu, tokens: (JSON.parse(r.stdout) as { tokens: number }).tokens };
}

// Worker counts for the scaling rows: 1, 2, 4, ... up to the cores there are (at least 1 and 2).
const cores = os.availableParallelism();
const scaling = [1, 2, 4, 8, 16, 32, 64].filter((n) => n <= Math.max(2, cores));
const runs = ['peer', 'kiln', 'tiny', ...scaling.map((n) => `kiln${n}`)];
const times: Record<string, number[]> = Object.fromEntries(runs.map((k) => [k, []]));
const cpu: Record<string, number[]> = Object.fromEntries(runs.map((k) => [k, []]));
const loadBefore = loadAverage();
const ratios: number[] = [];
let peerTokens = 0;
let kilnTokens = 0;
const record = (key: string, r: { seconds: number; cpu: number }): void => {
  times[key].push(r.seconds);
  cpu[key].push(r.cpu);
};
for (let r = 0; r < repeats; r++) {
  // Alternate who starts: kiln first on odd repeats, gpt-tokenizer first on even ones.
  let p: ReturnType<typeof peer>;
  let k: ReturnType<typeof kiln>;
  if (r % 2 === 0) {
    p = peer();
    k = kiln(undefined);
  } else {
    k = kiln(undefined);
    p = peer();
  }
  record('peer', p);
  record('kiln', k);
  const perCount = scaling.map((n) => kiln(n));
  perCount.forEach((x, i) => record(`kiln${scaling[i]}`, x));
  record('tiny', kiln(undefined, tiny));
  peerTokens = p.tokens;
  kilnTokens = k.tokens;
  if ([k, ...perCount].some((x) => x.tokens !== p.tokens)) throw new Error(`token counts differ: gpt-tokenizer ${p.tokens}, kiln ${[k, ...perCount].map((x) => x.tokens).join('/')}`);
  ratios.push(p.seconds / k.seconds);
  process.stderr.write(`run ${r + 1}: gpt-tokenizer ${p.seconds.toFixed(2)} s, kiln ${k.seconds.toFixed(2)} s (${perCount.map((x, i) => `${scaling[i]} workers ${x.seconds.toFixed(2)}`).join(', ')})\n`);
}
const mb = bytes / 1e6;
const row = (name: string, s: number[]): string => `| ${name} | ${median(s).toFixed(2)} | ${(mb / median(s)).toFixed(1)} |`;
const rowCpu = (name: string, key: string): string => `| ${name} | ${median(times[key]).toFixed(2)} | ${(mb / median(times[key])).toFixed(1)} | ${median(cpu[key]).toFixed(2)} |`;
console.log(`corpus: ${mb.toFixed(1)} MB of text, ${peerTokens} tokens (kiln ${kilnTokens}, equal: ${peerTokens === kilnTokens}); ${cores} cores; ${repeats} alternated runs, medians`);
console.log('| run (whole process) | wall s | MB/s | CPU s (user+sys) |\n|---|---|---|---|');
console.log(rowCpu('gpt-tokenizer r50k_base, 1 thread', 'peer'));
console.log(rowCpu(`kiln tokenize, all cores (${cores} workers)`, 'kiln'));
for (const n of scaling) console.log(rowCpu(`kiln tokenize, --workers ${n}`, `kiln${n}`));
console.log(`| kiln tokenize, all cores, one 11-byte document (fixed cost) | ${median(times.tiny).toFixed(2)} | - | ${median(cpu.tiny).toFixed(2)} |`);
console.log(`\nspeed-up kiln (all cores) over gpt-tokenizer: median of per-run ratios ${median(ratios).toFixed(2)}x (runs: ${ratios.map((x) => x.toFixed(2)).join(', ')})`);

// Encoding only, in this process (no start-up, no Parquet): the encoder itself on all cores
// (loaded pool, batches of 256K chars) and on one thread, against gpt-tokenizer on one thread.
const texts: string[] = [];
for (const name of readdirSync(input).sort()) {
  for (const line of readFileSync(path.join(input, name), 'utf8').split('\n')) if (line) texts.push((JSON.parse(line) as { text: string }).text);
}
const batches: string[][] = [[]];
let chars = 0;
for (const t of texts) {
  batches.at(-1)!.push(t);
  chars += t.length;
  if (chars >= 1 << 18) {
    batches.push([]);
    chars = 0;
  }
}
const pool = new EncodePool('gpt2');
await pool.info;
const single = loadTokenizer('gpt2');
const enc: Record<string, number[]> = { gpt: [], pool: [], single: [] };
const encRatios: number[] = [];
const encodeGpt = (): number => {
  const t0 = performance.now();
  let n = 0;
  for (const t of texts) n += gptEncode(t).length;
  enc.gpt.push((performance.now() - t0) / 1000);
  return n;
};
const encodeKiln = async (): Promise<number> => {
  let t0 = performance.now();
  const results = await Promise.all(batches.map((b) => pool.encode(b)));
  enc.pool.push((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const t of texts) single.encodeSync!(t);
  enc.single.push((performance.now() - t0) / 1000);
  return results.flat().reduce((s, ids) => s + ids.length, 0);
};
for (let r = 0; r < repeats; r++) {
  // Alternated as above: gpt-tokenizer first on even repeats, kiln first on odd ones.
  let gptTokens: number;
  let poolTokens: number;
  if (r % 2 === 0) {
    gptTokens = encodeGpt();
    poolTokens = await encodeKiln();
  } else {
    poolTokens = await encodeKiln();
    gptTokens = encodeGpt();
  }
  if (poolTokens !== gptTokens) throw new Error(`encode-only token counts differ: ${poolTokens} vs ${gptTokens}`);
  encRatios.push(enc.gpt[r] / enc.pool[r]);
}
await pool.close();
console.log('\n| encode only, in process | seconds | MB/s |\n|---|---|---|');
console.log(row('gpt-tokenizer r50k_base, 1 thread', enc.gpt));
console.log(row('kiln BPE, 1 thread', enc.single));
console.log(row(`kiln EncodePool, ${pool.size} workers`, enc.pool));
console.log(`\nencode-only speed-up, kiln all cores over gpt-tokenizer 1 thread: ${median(encRatios).toFixed(2)}x (runs: ${encRatios.map((x) => x.toFixed(2)).join(', ')}); kiln 1 thread over gpt-tokenizer: ${(median(enc.gpt) / median(enc.single)).toFixed(2)}x`);
console.log(`\ncommand: node dist/bench/tokenize/tokenize-vs-gpt-tokenizer.js ${process.argv.slice(2).join(' ')}; ${loadBefore} before, ${loadAverage()} after`);
// Whole process: kiln on all cores, start-up, JSONL reading, Parquet output and commits included,
// against a peer that only counts ids. Encode only: the encoders alone, one thread each.
printResult({ bench: 'tokenize', what: `tokenize ${mb.toFixed(0)} MB, whole process (kiln all ${cores} cores, writes Parquet)`, peer: 'gpt-tokenizer, one thread, counts ids', ratio: median(ratios), cpuRatio: median(cpu.peer) / median(cpu.kiln) });
printResult({ bench: 'tokenize', what: 'tokenize, encode only, one thread each', peer: 'gpt-tokenizer encode', ratio: median(enc.gpt) / median(enc.single), pool: median(encRatios) });
rmSync(work, { recursive: true, force: true });
