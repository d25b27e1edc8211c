// Shard throughput and memory: MB of output tokens per second and peak RSS of `runShard` on
// synthetic GPT-2-vocabulary token datasets of growing size (default 0.25 and 1 GB of uint16
// tokens). Memory should stay flat as the input grows: it is bounded by --memory (bucket bytes),
// the Parquet row group being decoded and the scatter write buffers, not by the input.
// Run: node dist/bench/shard/shard-throughput.js [--gb 0.25,1] [--memory-mib 256]
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT2_EOS, GPT2_VOCAB, writeTokenCorpus } from './token-corpus.js';

const argOf = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const sizesGb = argOf('gb', '0.25,1').split(',').map(Number);
const memoryMiB = Number(argOf('memory-mib', '256'));
const root = argOf('dir', path.join(os.tmpdir(), 'kiln-bench-shard'));
const here = path.dirname(fileURLToPath(import.meta.url));

const rows: Array<Record<string, number>> = [];
for (const gb of sizesGb) {
  const tokens = Math.round((gb * 1e9) / 2);
  const corpus = path.join(root, `tokens-${gb}gb`);
  const t0 = Date.now();
  const got = writeTokenCorpus(corpus, tokens);
  console.error(`corpus ${gb} GB: ${got} tokens (${((Date.now() - t0) / 1000).toFixed(0)} s to generate or reuse)`);
  const out = path.join(root, `shards-${gb}gb`);
  rmSync(out, { recursive: true, force: true });
  const cfg = { inputs: [corpus], out, seqLen: 2048, eosId: GPT2_EOS, vocabSize: GPT2_VOCAB, valFraction: 0.005, bucketBytes: memoryMiB * 1024 * 1024 };
  const started = Date.now();
  const res = JSON.parse(execFileSync(process.execPath, [path.join(here, 'run-shard-child.js'), JSON.stringify(cfg)], { encoding: 'utf8', maxBuffer: 1 << 24 })) as {
    summary: { tokens: { train: number; val: number }; bytes: number; seconds: number };
    maxRssMB: number;
  };
  const processSeconds = (Date.now() - started) / 1000;
  const seconds = res.summary.seconds;
  const tokenBytes = got * 2;
  rows.push({ gb, tokens: got, seconds, processSeconds, mbPerSecond: tokenBytes / 1e6 / seconds, peakRssMB: res.maxRssMB, outputMB: res.summary.bytes / 1e6 });
  console.error(JSON.stringify(rows[rows.length - 1]));
  rmSync(out, { recursive: true, force: true });
}
console.log(JSON.stringify({ memoryMiB, rows }, null, 2));
