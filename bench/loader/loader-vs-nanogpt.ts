// Loader throughput: kiln's createLoader vs nanoGPT's numpy-memmap get_batch on the same tokens
// and batch shape, alternated and repeated on one machine; then the starvation check: a
// consumer that computes 20 ms per batch must wait for data < 1% of its wall time.
// Run: node dist/bench/loader/loader-vs-nanogpt.js [--tokens 30000000] [--batch 16] [--seq 1024] [--repeats 3]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runShard } from '../../shard/index.js';
import { createLoader, type Loader } from '../../train/loader/index.js';
import { GPT2_EOS, GPT2_VOCAB, writeTokenCorpus } from '../shard/token-corpus.js';

process.env.KILN_LOG ??= 'silent';
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
// Enough tokens that the timed batches fit in one epoch (reopening per epoch is measured apart).
const TOKENS = arg('tokens', 40_000_000);
const B = arg('batch', 16);
const T = arg('seq', 1024);
const REPEATS = arg('repeats', 3);
const BATCHES = arg('batches', 2000);
const root = path.join(os.tmpdir(), 'kiln-bench-loader');
const here = path.dirname(fileURLToPath(import.meta.url));
const pyScript = path.resolve(here, '../../../bench/loader/nanogpt_get_batch.py');

// Debian's python3-numpy (apt-get install -y python3-numpy) lives under /usr/bin/python3.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function kilnTokensPerSecond(index: string): Promise<number> {
  let epoch = 0;
  let loader: Loader = await createLoader({ index, batchSize: B, seed: 1, epoch, dropLast: true });
  const take = async () => {
    let b = await loader.next();
    while (!b) {
      await loader.close();
      loader = await createLoader({ index, batchSize: B, seed: 1, epoch: ++epoch, dropLast: true });
      b = await loader.next();
    }
    return b;
  };
  for (let i = 0; i < 20; i++) await take();
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < BATCHES; i++) sum += (await take()).tokens[0];
  const dt = (performance.now() - t0) / 1000;
  await loader.close();
  if (sum < 0) throw new Error('unreachable');
  return (BATCHES * B * T) / dt;
}

function nanoTokensPerSecond(bin: string): number {
  const out = execFileSync(PYTHON, [pyScript, bin, String(B), String(T), String(BATCHES), '1'], { encoding: 'utf8' });
  return (JSON.parse(out) as { tokens_per_s: number }).tokens_per_s;
}

async function starvation(index: string, computeMs: number, batches: number): Promise<{ wallMs: number; waitMs: number }> {
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
console.error(`corpus: ${corpusTokens} tokens in ${corpus}`);
const arrow = path.join(root, `arrow-${TOKENS}-${T}`);
const nano = path.join(root, `nanogpt-${TOKENS}`);
if (!existsSync(path.join(arrow, 'index.json'))) await runShard({ inputs: [corpus], out: arrow, seqLen: T, eosId: GPT2_EOS, vocabSize: GPT2_VOCAB, valFraction: 0 });
if (!existsSync(path.join(nano, 'index.json'))) await runShard({ inputs: [corpus], out: nano, seqLen: T, eosId: GPT2_EOS, vocabSize: GPT2_VOCAB, valFraction: 0, format: 'nanogpt' });

const kiln: number[] = [];
const peer: number[] = [];
for (let r = 0; r < REPEATS; r++) {
  kiln.push(await kilnTokensPerSecond(arrow));
  peer.push(nanoTokensPerSecond(path.join(nano, 'train.bin')));
  console.error(`repeat ${r + 1}: kiln ${(kiln[r] / 1e6).toFixed(1)} M tok/s, nanoGPT get_batch ${(peer[r] / 1e6).toFixed(1)} M tok/s`);
}
const s = await starvation(arrow, 20, arg('starve-batches', 150));
const result = {
  shape: { batch: B, seqLen: T, batches: BATCHES, corpusTokens },
  kilnTokensPerSecond: median(kiln),
  nanogptTokensPerSecond: median(peer),
  ratio: median(kiln) / median(peer),
  runs: { kiln, nanogpt: peer },
  consumer20ms: { wallMs: s.wallMs, waitMs: s.waitMs, waitShare: s.waitMs / s.wallMs },
};
console.log(JSON.stringify(result, null, 2));
