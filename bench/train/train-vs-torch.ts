// bench/train: `kiln train` (tfjs WASM backend, one thread) against the same model written
// nanoGPT-style in PyTorch on the CPU (bench/train/torch_gpt_mini.py, one thread), side by side on
// the same shards: tiny-shakespeare, GPT-2 tokens, `kiln shard --seq-len 128`. Same model
// (gpt-mini: d_model 128, 2 layers, 4 heads, tied head, GELU-tanh, LayerNorm eps 1e-5), fp32,
// batch, AdamW (lr, betas, eps, decoupled weight decay on matrices only), warmup + cosine schedule,
// gradient clip, init distributions and seed number (the generators differ, so the weights do).
// Each run is a fresh process; rounds alternate who starts; the first step of each run (kernel
// compilation, first reads) is left out of tokens/s. The peer must be present: without
// /usr/bin/python3 + torch + numpy the bench fails (apt-get install -y python3-torch python3-numpy).
//   node dist/bench/train/train-vs-torch.js [--steps 8] [--rounds 2] [--batch-size 8]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readMetrics, type StepRecord } from '../../train/index.js';
import { median } from '../median.js';
import { kiln, shakespeareShards } from './shakespeare-shards.js';
import { printResult } from '../result-line.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PEER = path.resolve(here, '../../../bench/train/torch_gpt_mini.py');
const PYTHON = '/usr/bin/python3';
const THREADS = 1;
// Debian's python3-torch is built with BLAS_INFO=generic and calls whatever libblas.so.3 is
// selected; the default (netlib reference BLAS) made its matmuls ~5x slower here, not a peer
// anyone would run. The peer loads OpenBLAS (apt-get install -y libopenblas0-pthread) through
// LD_LIBRARY_PATH for its own process only, leaving the machine's BLAS choice alone.
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const PEER_ENV = { ...process.env, LD_LIBRARY_PATH: OPENBLAS, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    'batch-size': { type: 'string', default: '8' },
    lr: { type: 'string', default: '1e-3' },
    'warmup-steps': { type: 'string', default: '2' },
    seed: { type: 'string', default: '1337' },
    // 2% of speeches held out: the val loss is over the whole val split on both sides, kept small.
    'val-fraction': { type: 'string', default: '0.02' },
  },
});
const steps = Number(args.steps);
const shared = { batchSize: Number(args['batch-size']), lr: Number(args.lr), warmup: Number(args['warmup-steps']), seed: Number(args.seed) };

// kiln's tfjs WASM backend runs one thread in Node (no WASM threads there: tfjs reports
// WASM_HAS_MULTITHREAD_SUPPORT false), so the peer gets one too.
const peerCheck = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', env: PEER_ENV });
if (peerCheck.status !== 0) {
  throw new Error(`peer missing: ${PYTHON} cannot import torch and numpy (apt-get install -y python3-torch python3-numpy): ${peerCheck.stderr ?? peerCheck.error}`);
}
if (!existsSync(path.join(OPENBLAS, 'libblas.so.3'))) {
  throw new Error(`peer's BLAS missing: ${OPENBLAS}/libblas.so.3 (apt-get install -y libopenblas0-pthread); reference BLAS would make the peer a straw man`);
}

interface Run {
  who: 'kiln' | 'torch';
  losses: number[];
  stepMs: number[];
  initialValLoss: number;
  valLoss: number;
  valTokens: number;
}

const tokensPerStep = (seqLen: number): number => shared.batchSize * seqLen;
const steadyTokensPerS = (r: Run, seqLen: number): number => (tokensPerStep(seqLen) * (r.stepMs.length - 1)) / (r.stepMs.slice(1).reduce((a, b) => a + b, 0) / 1000);

async function runKiln(shards: string, out: string): Promise<Run> {
  const summary = JSON.parse(
    await kiln([
      'train', '--data', shards, '--out', out, '--overwrite', '--backend', 'wasm', '--model', 'gpt-mini', '--steps', String(steps),
      '--batch-size', String(shared.batchSize), '--lr', String(shared.lr), '--warmup-steps', String(shared.warmup), '--weight-decay', '0.1', '--grad-clip', '1',
      '--seed', String(shared.seed), '--eval-every', '0', '--checkpoint-every', '0', '--json',
    ]),
  ) as { val_loss: number; initial_val_loss: number };
  const records = await readMetrics(path.join(out, 'metrics.jsonl'));
  const stepRecords = records.filter((r): r is StepRecord => 'loss' in r);
  const evals = records.filter((r) => 'val_tokens' in r) as unknown as { val_tokens: number }[];
  return {
    who: 'kiln',
    losses: stepRecords.map((r) => r.loss),
    stepMs: stepRecords.map((r) => r.data_wait_ms + r.compute_ms),
    initialValLoss: summary.initial_val_loss,
    valLoss: summary.val_loss,
    valTokens: evals.at(-1)?.val_tokens ?? NaN,
  };
}

function runTorch(shards: string): Run {
  process.stderr.write(`$ ${PYTHON} bench/train/torch_gpt_mini.py --shards ${shards} --steps ${steps} ...\n`);
  const r = spawnSync(
    PYTHON,
    [PEER, '--shards', shards, '--steps', String(steps), '--batch-size', String(shared.batchSize), '--lr', String(shared.lr), '--warmup-steps', String(shared.warmup),
      '--weight-decay', '0.1', '--grad-clip', '1', '--seed', String(shared.seed), '--threads', String(THREADS)],
    { encoding: 'utf8', maxBuffer: 1 << 26, env: PEER_ENV },
  );
  if (r.status !== 0) throw new Error(`torch peer failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { losses: number[]; step_ms: number[]; initial_val_loss: number; val_loss: number; val_tokens: number; threads: number };
  if (out.threads !== THREADS) throw new Error(`torch ran ${out.threads} threads, not ${THREADS}`);
  return { who: 'torch', losses: out.losses, stepMs: out.step_ms, initialValLoss: out.initial_val_loss, valLoss: out.val_loss, valTokens: out.val_tokens };
}

const work = path.join(os.tmpdir(), `kiln-bench-train-vs-torch-${process.pid}`);
await mkdir(work, { recursive: true });
try {
  const seqLen = 128;
  const { shards } = await shakespeareShards(work, { tokenizer: 'gpt2', seqLen, valFraction: Number(args['val-fraction']) });
  const runs: Run[] = [];
  const load: string[] = [os.loadavg().map((x) => x.toFixed(2)).join(' ')];
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const who of round % 2 === 0 ? (['kiln', 'torch'] as const) : (['torch', 'kiln'] as const)) {
      const r = who === 'kiln' ? await runKiln(shards, path.join(work, 'kiln-run')) : runTorch(shards);
      runs.push(r);
      process.stderr.write(`round ${round + 1} ${who}: ${steadyTokensPerS(r, seqLen).toFixed(0)} tokens/s, loss after ${steps} steps ${r.losses.at(-1)!.toFixed(3)}, val ${r.initialValLoss.toFixed(3)} -> ${r.valLoss.toFixed(3)}\n`);
    }
    load.push(os.loadavg().map((x) => x.toFixed(2)).join(' '));
  }
  const of = (who: string): Run[] => runs.filter((r) => r.who === who);
  // Equal work: both evaluated exactly the same number of val tokens.
  const valTokens = new Set(runs.map((r) => r.valTokens));
  if (valTokens.size !== 1) throw new Error(`the two sides evaluated different val splits: ${[...valTokens].join(' vs ')} tokens`);
  const tps = (who: string): number => median(of(who).map((r) => steadyTokensPerS(r, seqLen)));
  const perRound = of('kiln').map((k, i) => steadyTokensPerS(k, seqLen) / steadyTokensPerS(of('torch')[i]!, seqLen));
  const lastLoss = (who: string): number => median(of(who).map((r) => r.losses.at(-1)!));
  const val = (who: string): number => median(of(who).map((r) => r.valLoss));
  const initialVal = (who: string): number => median(of(who).map((r) => r.initialValLoss));
  const torchVersion = peerCheck.stdout.trim();
  console.log(`gpt-mini (vocab 50257, seq_len ${seqLen}), batch ${shared.batchSize}, ${steps} steps per run (first left out of tokens/s), ${args.rounds} alternated rounds, ${THREADS} thread each, fp32, medians`);
  console.log(`load average (1/5/15 min) at start and after each round: ${load.join(' | ')}`);
  console.log('| trainer | tokens/s | train loss at step ' + steps + ' | val loss before -> after (' + [...valTokens][0] + ' tokens) |\n|---|---|---|---|');
  console.log(`| kiln train, tfjs ${'wasm'} backend | ${tps('kiln').toFixed(0)} | ${lastLoss('kiln').toFixed(3)} | ${initialVal('kiln').toFixed(3)} -> ${val('kiln').toFixed(3)} |`);
  console.log(`| PyTorch ${torchVersion} CPU + OpenBLAS, nanoGPT-style | ${tps('torch').toFixed(0)} | ${lastLoss('torch').toFixed(3)} | ${initialVal('torch').toFixed(3)} -> ${val('torch').toFixed(3)} |`);
  const ratio = tps('kiln') / tps('torch');
  console.log(`\nkiln / PyTorch tokens/s: ${ratio.toFixed(2)}x (per round ${perRound.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`command: node dist/bench/train/train-vs-torch.js ${process.argv.slice(2).join(' ')}`);
  printResult({ bench: 'train', what: 'train tokens/s, gpt-mini, GPT-2 vocab, one thread each', peer: 'PyTorch CPU, nanoGPT-style', ratio, kiln_tokens_per_s: tps('kiln'), torch_tokens_per_s: tps('torch'), kiln_val_loss: val('kiln'), torch_val_loss: val('torch') });
} finally {
  await rm(work, { recursive: true, force: true });
}
