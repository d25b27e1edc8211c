// Benchmark: gpt-mini training throughput and data-wait share on the WASM backend vs the pure-JS
// CPU backend, side by side in one run (alternating, fresh process per run, medians), fed by the
// real streaming loader from real shards.
//   node dist/bench/train/backends.js [--rounds 2] [--wasm-steps 8] [--cpu-steps 3] [--vocab 4096]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeParquet } from '../../core/parquet-write.js';
import { seededRandom } from '../../core/seeded-random.js';
import { runShard } from '../../shard/index.js';
import { readMetrics, type StepRecord } from '../../train/index.js';
import { median } from '../median.js';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    'wasm-steps': { type: 'string', default: '8' },
    'cpu-steps': { type: 'string', default: '3' },
    vocab: { type: 'string', default: '4096' },
    'batch-size': { type: 'string', default: '16' },
    'seq-len': { type: 'string', default: '128' },
  },
});

/** Zipf-distributed token documents (a stand-in for tokenized text of this vocabulary size). */
async function makeShards(root: string, vocab: number, seqLen: number): Promise<string> {
  const random = seededRandom(7);
  const weights = Array.from({ length: vocab - 1 }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(weights.length);
  weights.reduce((acc, w, i) => (cdf[i] = acc + w / total), 0);
  const draw = (): number => {
    const r = random();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const rows = Array.from({ length: 2000 }, (_, i) => ({ id: `doc-${i}`, tokens: Array.from({ length: 50 + Math.floor(random() * 400) }, draw) }));
  const input = path.join(root, 'tokens');
  await mkdir(input);
  await writeFile(path.join(input, 'part-00000.parquet'), encodeParquet([{ name: 'id', type: 'string' }, { name: 'tokens', type: 'int32[]' }], rows));
  const shards = path.join(root, 'shards');
  await runShard({ inputs: [input], out: shards, seqLen, eosId: vocab - 1, vocabSize: vocab, valFraction: 0.02, seed: 1 });
  return shards;
}

interface RunResult {
  backend: string;
  stepMs: number;
  tokensPerS: number;
  dataWaitShare: number;
  waitMsMedian: number;
}


async function runOnce(backend: 'wasm' | 'cpu', shards: string, out: string, steps: number): Promise<RunResult> {
  const argv = [BIN, 'train', '--data', shards, '--out', out, '--overwrite', '--backend', backend, '--model', 'gpt-mini', '--steps', String(steps),
    '--batch-size', args['batch-size']!, '--eval-every', '0', '--eval-batches', '1', '--checkpoint-every', '0', '--json'];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, KILN_LOG: 'silent' }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${backend} run exited ${code}`))));
  });
  // Step 1 includes kernel compilation and the loader's first reads: report steady-state steps.
  const steps_ = (await readMetrics(path.join(out, 'metrics.jsonl'))).filter((r): r is StepRecord => 'loss' in r).slice(1);
  const wait = steps_.reduce((a, r) => a + r.data_wait_ms, 0);
  const all = steps_.reduce((a, r) => a + r.data_wait_ms + r.compute_ms, 0);
  const stepMs = median(steps_.map((r) => r.data_wait_ms + r.compute_ms));
  return { backend, stepMs, tokensPerS: median(steps_.map((r) => r.tokens_per_s)), dataWaitShare: wait / all, waitMsMedian: median(steps_.map((r) => r.data_wait_ms)) };
}

const root = await mkdtemp(path.join(tmpdir(), 'kiln-bench-train-'));
try {
  const shards = await makeShards(root, Number(args.vocab), Number(args['seq-len']));
  const results: RunResult[] = [];
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const backend of ['wasm', 'cpu'] as const) {
      const r = await runOnce(backend, shards, path.join(root, `run-${backend}`), Number(args[`${backend}-steps`]));
      results.push(r);
      process.stderr.write(`round ${round + 1} ${backend}: ${r.stepMs.toFixed(0)} ms/step, ${r.tokensPerS.toFixed(0)} tokens/s, data wait ${(100 * r.dataWaitShare).toFixed(3)}%\n`);
    }
  }
  const summary = (['wasm', 'cpu'] as const).map((backend) => {
    const rs = results.filter((r) => r.backend === backend);
    return {
      backend,
      runs: rs.length,
      step_ms: median(rs.map((r) => r.stepMs)),
      tokens_per_s: median(rs.map((r) => r.tokensPerS)),
      data_wait_share: median(rs.map((r) => r.dataWaitShare)),
      data_wait_ms_per_step: median(rs.map((r) => r.waitMsMedian)),
    };
  });
  const ratio = summary[0]!.tokens_per_s / summary[1]!.tokens_per_s;
  process.stdout.write(JSON.stringify({ model: 'gpt-mini', vocab: Number(args.vocab), seq_len: Number(args['seq-len']), batch_size: Number(args['batch-size']), results: summary, wasm_over_cpu: ratio }, null, 2) + '\n');
} finally {
  await rm(root, { recursive: true, force: true });
}
