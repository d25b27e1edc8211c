// `npm run bench`: every benchmark in a quick mode (small inputs, few repetitions), one after the
// other, then the summary table RESULTS.md carries: what, peer, ratio (kiln speed / peer speed, so
// > 1 means kiln is faster), command. Each bench prints one line `RESULT {json}` with at least
// `ratio`; a bench that is missing, fails, or prints no RESULT line is a failed row and the run
// exits 1: nothing is skipped silently. Quick figures are a smoke check; RESULTS.md holds full runs.
// Run: npm run bench [-- --only loader,warc]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Bench {
  name: string;
  what: string;
  peer: string;
  /** Compiled script, relative to dist/. */
  script: string;
  quick: string[];
}

const benches: Bench[] = [
  { name: 'crawl', what: 'crawl a local site', peer: 'Crawlee CheerioCrawler', script: 'bench/crawl/crawl-vs-crawlee.js', quick: ['--pages', '300', '--concurrency', '16', '--reps', '1'] },
  { name: 'extraction', what: 'main-text extraction speed', peer: '@mozilla/readability on linkedom', script: 'bench/extraction/speed.js', quick: ['1'] },
  { name: 'cli', what: 'CLI start-up', peer: 'see bench/cli/startup.ts', script: 'bench/cli/startup.js', quick: [] },
  { name: 'warc', what: 'WARC records/s, raw blocks', peer: 'warcio.js (parseHttp: false)', script: 'bench/warc/records.js', quick: ['10', '1'] },
  { name: 'loader', what: 'loader tokens/s, worst of 32x64/32x1024 x random/contiguous', peer: 'nanoGPT get_batch (numpy, prefetch thread)', script: 'bench/loader/loader-vs-nanogpt.js', quick: ['--tokens', '5000000', '--batches', '100', '--repeats', '1', '--starve-batches', '20'] },
  { name: 'tokenize', what: 'tokenize, whole process', peer: 'gpt-tokenizer (one thread)', script: 'bench/tokenize/tokenize-vs-gpt-tokenizer.js', quick: ['2', '1'] },
  { name: 'tokenizer-train', what: 'BPE training, 8k vocab', peer: 'SentencePiece BPE', script: 'bench/tokenizer-train/train-vs-sentencepiece.js', quick: ['8000', '1', '2'] },
  { name: 'dedupe-judged', what: 'near-duplicates vs human labels (precision/recall at 0.8)', peer: 'CopyCat judgments', script: 'bench/dedupe/judged-pairs.js', quick: [] },
];

// Not in quick mode: bench/train/train-vs-torch.ts (kiln train vs PyTorch). Its model has GPT-2's
// 50,257-token vocabulary, so one optimizer step takes seconds on one thread (the [B*T, V] head
// dominates) and even a 4-step, one-round run with its two val passes per side takes minutes on
// this 2-core machine; run it by hand: node dist/bench/train/train-vs-torch.js --steps 6 --rounds 2.
const argv = process.argv.slice(2);
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1].split(',')) : undefined;
if (only) for (const n of only) if (!benches.some((b) => b.name === n)) throw new Error(`--only: no bench named ${n} (${benches.map((b) => b.name).join(', ')})`);

const rows: string[] = [];
let failed = 0;
for (const b of benches.filter((x) => !only || only.has(x.name))) {
  const script = path.join(dist, b.script);
  const command = `node dist/${b.script} ${b.quick.join(' ')}`.trim();
  let ratio: string;
  if (!existsSync(script)) {
    ratio = `FAILED: ${b.script} does not exist (source bench/${b.script.replace(/^bench\//, '').replace(/\.js$/, '.ts')} absent or not built)`;
  } else {
    process.stderr.write(`== ${b.name}: ${command}\n`);
    const r = spawnSync(process.execPath, [script, ...b.quick], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    process.stdout.write(r.stdout ?? '');
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
    if (r.status !== 0) ratio = `FAILED: exit ${r.status ?? r.signal}`;
    else if (!line) ratio = 'FAILED: printed no RESULT line';
    else {
      const res = JSON.parse(line.slice(7)) as { ratio?: number; precision?: number; recall?: number };
      if (typeof res.ratio === 'number') ratio = `${res.ratio.toFixed(2)}x`;
      else if (typeof res.precision === 'number') ratio = `P ${res.precision.toFixed(3)} / R ${res.recall?.toFixed(3)}`;
      else ratio = 'FAILED: RESULT has no ratio';
    }
  }
  if (ratio.startsWith('FAILED')) failed++;
  rows.push(`| ${b.what} | ${b.peer} | ${ratio} | \`${command}\` |`);
}
console.log(`\nquick mode, ${os.availableParallelism()} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, Node ${process.version}\n`);
console.log('| what | peer | ratio (kiln / peer speed) | command |\n|---|---|---|---|');
console.log(rows.join('\n'));
if (failed) {
  console.error(`bench: ${failed} bench(es) failed`);
  process.exit(1);
}
