// `npm run bench`: every benchmark in a quick mode (small inputs, few repetitions), one after the
// other, then the summary table RESULTS.md carries: what, peer, ratio (kiln speed / peer speed, so
// > 1 means kiln is faster), the same per CPU-second, load average, command. A bench prints one
// line `RESULT {json}` per row (bench/result-line.ts); a bench that is missing, fails, or prints no
// RESULT line is a failed row and the run exits 1: nothing is skipped silently. Quick figures are a
// smoke check; RESULTS.md holds the full runs.
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
  { name: 'crawl', what: 'crawl a local site', peer: 'Crawlee CheerioCrawler', script: 'bench/crawl/crawl-vs-crawlee.js', quick: ['--pages', '300', '--concurrency', '8', '--reps', '1'] },
  { name: 'extraction', what: 'main-text extraction speed', peer: '@mozilla/readability on linkedom', script: 'bench/extraction/speed.js', quick: ['1'] },
  { name: 'cli', what: 'CLI start-up', peer: 'bare node -e 0', script: 'bench/cli/startup.js', quick: ['--runs', '3'] },
  { name: 'warc', what: 'WARC records/s', peer: 'warcio.js', script: 'bench/warc/records.js', quick: ['10', '1'] },
  { name: 'loader', what: 'loader tokens/s', peer: 'nanoGPT get_batch (numpy, prefetch thread)', script: 'bench/loader/loader-vs-nanogpt.js', quick: ['--tokens', '5000000', '--batches', '100', '--repeats', '1', '--starve-batches', '20'] },
  { name: 'tokenize', what: 'tokenize', peer: 'gpt-tokenizer (one thread)', script: 'bench/tokenize/tokenize-vs-gpt-tokenizer.js', quick: ['2', '1'] },
  { name: 'tokenizer-train', what: 'BPE training, 8k vocab', peer: 'SentencePiece BPE', script: 'bench/tokenizer-train/train-vs-sentencepiece.js', quick: ['8000', '1', '2'] },
  { name: 'signatures', what: 'dedupe signatures', peer: 'datasketch algorithm in numpy', script: 'bench/dedupe/signatures.js', quick: ['--mb', '2'] },
  { name: 'decontaminate', what: 'decontaminate 13-grams', peer: "datatrove's algorithm (Python)", script: 'bench/decontaminate/decontaminate-vs-datatrove.js', quick: ['--mb', '2', '--reps', '1'] },
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
const x = (v: unknown): string => (typeof v === 'number' ? `${v.toFixed(2)}x` : '-');
for (const b of benches.filter((y) => !only || only.has(y.name))) {
  const script = path.join(dist, b.script);
  const command = `node dist/${b.script} ${b.quick.join(' ')}`.trim();
  const fail = (why: string): void => {
    failed++;
    rows.push(`| ${b.what} | ${b.peer} | FAILED: ${why} | | | \`${command}\` |`);
  };
  if (!existsSync(script)) {
    fail(`${b.script} does not exist (source bench/${b.script.replace(/^bench\//, '').replace(/\.js$/, '.ts')} absent or not built)`);
    continue;
  }
  process.stderr.write(`== ${b.name}: ${command}\n`);
  const r = spawnSync(process.execPath, [script, ...b.quick], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  process.stdout.write(r.stdout ?? '');
  const results = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as Record<string, unknown>);
  if (r.status !== 0) fail(`exit ${r.status ?? r.signal}`);
  else if (!results.length) fail('printed no RESULT line');
  for (const res of results) {
    if (typeof res.ratio !== 'number' && typeof res.cpuRatio !== 'number' && typeof res.figure !== 'string') {
      fail(`a RESULT line has no ratio or figure: ${JSON.stringify(res)}`);
      continue;
    }
    const figure = typeof res.figure === 'string' ? res.figure : x(res.ratio);
    const load = Array.isArray(res.load) ? (res.load as number[]).map((v) => v.toFixed(1)).join(' ') : '-';
    rows.push(`| ${String(res.what ?? b.what)} | ${String(res.peer ?? b.peer)} | ${figure} | ${x(res.cpuRatio)} | ${load} | \`${command}\` |`);
  }
}
console.log(`\nquick mode, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average at the end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}\n`);
console.log('| what | peer | kiln / peer (wall) | per CPU-second | load average | command |\n|---|---|---|---|---|---|');
console.log(rows.join('\n'));
if (failed) {
  console.error(`bench: ${failed} bench(es) failed`);
  process.exit(1);
}
