// Loader throughput: kiln's createLoader vs nanoGPT's get_batch (numpy memmap), equal work:
// - the same tokens (one synthetic corpus sharded as Arrow for kiln and as nanoGPT train.bin);
// - the same threads: kiln's worker thread reads while the timed thread takes batches with
//   next(); the peer gets a producer thread and a bounded queue of 8 batches (kiln's prefetch);
// - the same output: one int32 array of batch x (seq+1) tokens per batch on both sides, handed
//   back when the consumer is done with it: numpy frees it when its last reference goes, kiln's
//   consumer calls loader.release(batch) (without it the memory waits for a GC, and fresh pages
//   cost more than the copy); the last column shows kiln without release();
// - the same access pattern, twice: "random" = each batch is `batch` windows from anywhere in
//   the same span of tokens (kiln: an index whose every record batch is one row, so the epoch
//   plan visits rows in a global random order; peer: nanoGPT's random offsets); "contiguous" =
//   1-8 MiB contiguous reads (kiln: its own shards and plan; peer: consecutive windows);
// - runs alternated (kiln first on even repeats, the peer first on odd ones); medians.
// A row "nanoGPT as published" (two int64 arrays, no thread) is printed for context only.
// Then the starvation check: a consumer that computes 20 ms per batch must wait < 1% of its wall.
// Run: node dist/bench/loader/loader-vs-nanogpt.js [--tokens 20000000] [--shapes 32x64,32x1024]
//      [--batches 1000] [--repeats 3] [--starve-batches 150]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readSync, closeSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksum } from '../../core/checksum.js';
import { type ShardIndex, dtypeBytes } from '../../core/shard-index.js';
import { runShard } from '../../shard/index.js';
import { createLoader, type Loader } from '../../train/loader/index.js';
import { GPT2_EOS, GPT2_VOCAB, writeTokenCorpus } from '../shard/token-corpus.js';
import { median } from '../median.js';
import { printResult } from '../result-line.js';

process.env.KILN_LOG ??= 'silent';
const argv = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const TOKENS = Number(arg('tokens', '20000000'));
const SHAPES = arg('shapes', '32x64,32x1024').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const REPEATS = Number(arg('repeats', '3'));
const BATCHES = Number(arg('batches', '1000'));
const STARVE = Number(arg('starve-batches', '150'));
const WARMUP = 20;
const root = path.join(os.tmpdir(), 'kiln-bench-loader');
const here = path.dirname(fileURLToPath(import.meta.url));
const pyScript = path.resolve(here, '../../../bench/loader/nanogpt_get_batch.py');

// Debian's python3-numpy (apt-get install -y python3-numpy) lives under /usr/bin/python3.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Tokens per wall second (timed thread) and per CPU second (whole process, every thread). */
interface Run {
  wall: number;
  cpu: number;
}

/** Tokens/s of kiln's loader over `batches` batches after the warm-up, one epoch, timed on this thread. */
async function kilnRun(index: string, B: number, T: number, batches: number, verify: boolean, release = true): Promise<Run> {
  const loader: Loader = await createLoader({ index, batchSize: B, seed: 1, dropLast: true, verify });
  for (let i = 0; i < WARMUP; i++) {
    const b = await loader.next();
    if (b && release) loader.release(b);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let sum = 0;
  for (let i = 0; i < batches; i++) {
    const b = await loader.next();
    if (!b) throw new Error(`epoch ended after ${i} timed batches: use a larger --tokens`);
    sum += b.tokens[0];
    if (release) loader.release(b);
  }
  const dt = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  await loader.close();
  if (sum < 0) throw new Error('unreachable');
  return { wall: (batches * B * T) / dt, cpu: (batches * B * T) / ((c.user + c.system) / 1e6) };
}

function peerRun(bin: string, B: number, T: number, batches: number, mode: string, span: number, seed: number): Run {
  const out = execFileSync(PYTHON, [pyScript, bin, String(B), String(T), String(batches), String(seed), mode, String(span)], { encoding: 'utf8' });
  const r = JSON.parse(out) as { tokens_per_s: number; tokens_per_cpu_s: number };
  return { wall: r.tokens_per_s, cpu: r.tokens_per_cpu_s };
}

/**
 * A copy of an Arrow index whose record batches are cut into one-row entries, over the first
 * `rows` rows of the train split: the loader then reads single rows in a global random order.
 * Returns the directory (shard files are symlinked) and the rows covered.
 */
function oneRowIndex(arrowDir: string, rows: number): { dir: string; rows: number } {
  const dir = `${arrowDir}-rows-${rows}`;
  const index = JSON.parse(readFileSync(path.join(arrowDir, 'index.json'), 'utf8')) as ShardIndex;
  const rowBytes = index.row_length * dtypeBytes(index.dtype);
  if (existsSync(path.join(dir, 'index.json'))) return { dir, rows };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let covered = 0;
  const shards = [];
  for (const shard of index.splits.train.shards) {
    if (covered >= rows) break;
    symlinkSync(path.join(arrowDir, shard.file), path.join(dir, shard.file));
    const fd = openSync(path.join(arrowDir, shard.file), 'r');
    const buf = new Uint8Array(rowBytes);
    const batches = [];
    for (const b of shard.batches ?? []) {
      for (let r = 0; r < b.rows && covered < rows; r++, covered++) {
        const offset = b.offset + r * rowBytes;
        readSync(fd, buf, 0, rowBytes, offset);
        batches.push({ offset, rows: 1, checksum: checksum(buf) });
      }
    }
    closeSync(fd);
    shards.push({ ...shard, batches });
  }
  if (covered < rows) throw new Error(`the train split has ${covered} rows; ${rows} wanted`);
  const cut = { ...index, splits: { ...index.splits, train: { ...index.splits.train, shards }, val: { ...index.splits.val, shards: [] } } };
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify(cut));
  return { dir, rows };
}

async function starvation(index: string, B: number, computeMs: number, batches: number): Promise<{ wallMs: number; waitMs: number }> {
  const loader = await createLoader({ index, batchSize: B, seed: 3 });
  await loader.next(); // worker start-up is not steady state
  const w0 = loader.counters().waitMs;
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) {
    const b = await loader.next();
    if (!b) break;
    // A synchronous "training step" that blocks this thread, as a CPU trainer does.
    const until = performance.now() + computeMs;
    while (performance.now() < until);
  }
  const wallMs = performance.now() - t0;
  const waitMs = loader.counters().waitMs - w0;
  await loader.close();
  return { wallMs, waitMs };
}

const corpus = path.join(root, `tokens-${TOKENS}`);
const corpusTokens = writeTokenCorpus(corpus, TOKENS);
const nano = path.join(root, `nanogpt-${TOKENS}`);
if (!existsSync(path.join(nano, 'index.json'))) await runShard({ inputs: [corpus], out: nano, seqLen: 1024, eosId: GPT2_EOS, vocabSize: GPT2_VOCAB, valFraction: 0, format: 'nanogpt' });
const bin = path.join(nano, 'train.bin');

interface Row {
  shape: string;
  pattern: string;
  kiln: Run[];
  kilnVerify: Run[];
  kilnNoRelease: Run[];
  peer: Run[];
}
const rows: Row[] = [];
const original: Array<{ shape: string; runs: Run[] }> = [];
let lastArrow = '';
for (const [B, T] of SHAPES) {
  const arrow = path.join(root, `arrow-${TOKENS}-${T}`);
  if (!existsSync(path.join(arrow, 'index.json'))) await runShard({ inputs: [corpus], out: arrow, seqLen: T, eosId: GPT2_EOS, vocabSize: GPT2_VOCAB, valFraction: 0 });
  lastArrow = arrow;
  const index = JSON.parse(readFileSync(path.join(arrow, 'index.json'), 'utf8')) as ShardIndex;
  const allRows = index.splits.train.sequences;
  // One epoch must hold the warm-up and timed batches: a new epoch means a new loader.
  const batches = Math.min(BATCHES, Math.floor(allRows / B) - WARMUP - 1);
  if (batches < 50) throw new Error(`${allRows} rows give only ${batches} timed batches of ${B}: use a larger --tokens`);
  const oneRow = oneRowIndex(arrow, (batches + WARMUP + 1) * B);
  const shape = `${B}x${T}`;
  const random: Row = { shape, pattern: 'random windows', kiln: [], kilnVerify: [], kilnNoRelease: [], peer: [] };
  const contiguous: Row = { shape, pattern: 'contiguous', kiln: [], kilnVerify: [], kilnNoRelease: [], peer: [] };
  const orig = { shape, runs: [] as Run[] };
  // The peer's random windows come from the same span of tokens as kiln's one-row index covers.
  const cases = [
    { row: random, dir: oneRow.dir, mode: 'random', span: oneRow.rows * T },
    { row: contiguous, dir: arrow, mode: 'contiguous', span: corpusTokens },
  ];
  for (let r = 0; r < REPEATS; r++) {
    for (const c of cases) {
      const kiln = async (): Promise<void> => {
        c.row.kiln.push(await kilnRun(c.dir, B, T, batches, false));
        c.row.kilnVerify.push(await kilnRun(c.dir, B, T, batches, true));
        c.row.kilnNoRelease.push(await kilnRun(c.dir, B, T, batches, false, false));
      };
      const peer = async (): Promise<void> => void c.row.peer.push(peerRun(bin, B, T, batches, c.mode, c.span, r));
      for (const step of r % 2 === 0 ? [kiln, peer] : [peer, kiln]) await step();
    }
    orig.runs.push(peerRun(bin, B, T, batches, 'original', oneRow.rows * T, r));
    console.error(
      `${shape} repeat ${r + 1} (${batches} batches): random kiln ${fmt(random.kiln[r].wall)} / peer ${fmt(random.peer[r].wall)} M tok/s; ` +
        `contiguous kiln ${fmt(contiguous.kiln[r].wall)} / peer ${fmt(contiguous.peer[r].wall)} M tok/s; nanoGPT as published ${fmt(orig.runs[r].wall)}`,
    );
  }
  rows.push(random, contiguous);
  original.push(orig);
}

function fmt(x: number): string {
  return (x / 1e6).toFixed(1);
}
const med = (runs: Run[], k: keyof Run): number => median(runs.map((x) => x[k]));
const cell = (runs: Run[], k: keyof Run): string => `${fmt(med(runs, k))} (${runs.map((x) => fmt(x[k])).join(', ')})`;
const ratio = (r: Row, k: keyof Run): number => med(r.kiln, k) / med(r.peer, k);
console.log('M tokens per second of the timed thread (wall), median (runs); CPU = tokens per CPU-second of the whole process.\n');
console.log('| batch x seq | access | kiln, verify off | nanoGPT-style numpy | ratio (wall) | kiln CPU | numpy CPU | ratio (CPU) | kiln, verify on (default) | kiln, verify off, no release() |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.shape} | ${r.pattern} | ${cell(r.kiln, 'wall')} | ${cell(r.peer, 'wall')} | **${ratio(r, 'wall').toFixed(2)}x** | ${fmt(med(r.kiln, 'cpu'))} | ${fmt(med(r.peer, 'cpu'))} | ${ratio(r, 'cpu').toFixed(2)}x | ${cell(r.kilnVerify, 'wall')} = ${(med(r.kilnVerify, 'wall') / med(r.peer, 'wall')).toFixed(2)}x | ${cell(r.kilnNoRelease, 'wall')} = ${(med(r.kilnNoRelease, 'wall') / med(r.peer, 'wall')).toFixed(2)}x |`,
  );
}
for (const o of original) console.log(`| ${o.shape} | nanoGPT as published (x, y int64, no thread): context only | | ${cell(o.runs, 'wall')} | | | ${fmt(med(o.runs, 'cpu'))} | | | |`);
const [sB] = SHAPES[SHAPES.length - 1];
const s = await starvation(lastArrow, sB, 20, STARVE);
console.log(`\nstarvation check (${SHAPES[SHAPES.length - 1].join('x')}, verify on, 20 ms busy consumer, ${STARVE} batches): waited ${s.waitMs.toFixed(1)} ms of ${s.wallMs.toFixed(0)} ms = ${((100 * s.waitMs) / s.wallMs).toFixed(2)}%`);
console.log(`\ncorpus ${corpusTokens} tokens; command: node dist/bench/loader/loader-vs-nanogpt.js ${argv.join(' ')}`);
for (const r of rows) printResult({ bench: 'loader', what: `loader tokens/s, ${r.shape}, ${r.pattern}`, peer: 'nanoGPT get_batch (numpy, prefetch thread, int32)', ratio: ratio(r, 'wall'), cpuRatio: ratio(r, 'cpu') });
