// bench/tokenizer-train: `kiln tokenizer train` (byte-level BPE, 8k vocab) against SentencePiece
// BPE training (Debian's python3-sentencepiece) on the same text: tiny-shakespeare and the shared
// Common Crawl documents, repeated to >= 25 MB so the training, not process start-up, is timed.
// Whole processes, alternated (SentencePiece first on even repeats, kiln first on odd ones),
// repeated, medians. Equal threads: kiln's trainer runs on one thread, so SentencePiece gets
// num_threads=1 (its default is 16 threads, which on a many-core box compares 16 cores with one).
// Run: apt-get install -y python3-sentencepiece (Debian's /usr/bin/python3);
//      npx tsc -p . && node dist/bench/tokenizer-train/train-vs-sentencepiece.js [vocab] [repeats] [MB]
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage } from '../load-average.js';
import { readSharedTexts } from '../tokenize/corpus.js';
import { median } from '../median.js';
import { timedProcess, type TimedRun } from '../tokenize/timed-process.js';
import { benchData } from '../../test/core/project-paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const shared = benchData('tokenizer-train bench');
const vocab = Number(process.argv[2] ?? 8000);
const repeats = Number(process.argv[3] ?? 3);
const megabytes = Number(process.argv[4] ?? 25);

const work = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-train-'));
const { shakespeare, cc } = readSharedTexts(shared);
// Documents for kiln; the same text, one line per line, for SentencePiece (it reads lines).
const once: string[] = [];
for (let i = 0; i < shakespeare.length; i += 4000) once.push(shakespeare.slice(i, i + 4000));
once.push(...cc);
const onceBytes = Buffer.byteLength(once.join(''));
const copies = Math.max(1, Math.ceil((megabytes * 1e6) / onceBytes));
const docs: string[] = [];
for (let c = 0; c < copies; c++) docs.push(...once);
mkdirSync(path.join(work, 'in'));
writeFileSync(path.join(work, 'in', 'docs.jsonl'), docs.map((text, i) => JSON.stringify({ id: `d${i}`, text })).join('\n') + '\n');
writeFileSync(path.join(work, 'corpus.txt'), docs.join('\n'));
const bytes = onceBytes * copies;

const spmScript = `
import sentencepiece as spm, sys
spm.SentencePieceTrainer.train(input=sys.argv[1], model_prefix=sys.argv[2], model_type='bpe', vocab_size=int(sys.argv[3]),
    character_coverage=1.0, byte_fallback=True, max_sentence_length=1 << 20, minloglevel=2, num_threads=1)
`;
import { printResult } from '../result-line.js';

const loadBefore = loadAverage();
const runs: Record<string, TimedRun[]> = { spm: [], kiln: [] };
const kilnArgs = ['tokenizer', 'train', '--in', path.join(work, 'in'), '--vocab-size', String(vocab), '--out', path.join(work, 'tokenizer.json')];
const spm = (): number => runs.spm.push(timedProcess('/usr/bin/python3', ['-c', spmScript, path.join(work, 'corpus.txt'), path.join(work, 'spm'), String(vocab)]));
const kiln = (): number => runs.kiln.push(timedProcess(process.execPath, [path.join(root, 'dist/cli/bin.js'), ...kilnArgs]));
for (let r = 0; r < repeats; r++) {
  for (const run of r % 2 === 0 ? [spm, kiln] : [kiln, spm]) run();
  process.stderr.write(`run ${r + 1}: sentencepiece ${runs.spm[r].seconds.toFixed(2)} s, kiln ${runs.kiln[r].seconds.toFixed(2)} s\n`);
}
const wall = (k: string): number => median(runs[k].map((x) => x.seconds));
const cpu = (k: string): number => median(runs[k].map((x) => x.cpu));
console.log(`corpus: ${(bytes / 1e6).toFixed(2)} MB (tiny-shakespeare + ${cc.length} CC docs, ${copies} copies), vocab ${vocab}, ${os.availableParallelism()} cores, ${repeats} alternated runs, medians (whole process)`);
console.log('| trainer | wall s | CPU s (user+sys) |\n|---|---|---|');
console.log(`| SentencePiece BPE (python3-sentencepiece, byte_fallback, num_threads=1) | ${wall('spm').toFixed(2)} | ${cpu('spm').toFixed(2)} |`);
console.log(`| kiln tokenizer train (byte-level BPE) | ${wall('kiln').toFixed(2)} | ${cpu('kiln').toFixed(2)} |`);
// Reported as SentencePiece time over kiln time, so > 1 means kiln is faster, like every other row.
const ratios = runs.kiln.map((k, i) => runs.spm[i].seconds / k.seconds);
const cpuRatio = cpu('spm') / cpu('kiln');
console.log(`\nSentencePiece / kiln wall time: ${median(ratios).toFixed(2)}x (per-run ${ratios.map((x) => x.toFixed(2)).join(', ')}); CPU time: ${cpuRatio.toFixed(2)}x`);
console.log(`command: node dist/bench/tokenizer-train/train-vs-sentencepiece.js ${process.argv.slice(2).join(' ')}; ${loadBefore} before, ${loadAverage()} after`);
printResult({ bench: 'tokenizer-train', what: `BPE training, ${vocab} vocab, ${(bytes / 1e6).toFixed(0)} MB, whole process`, peer: 'SentencePiece BPE, num_threads=1', ratio: median(ratios), cpuRatio });
rmSync(work, { recursive: true, force: true });
