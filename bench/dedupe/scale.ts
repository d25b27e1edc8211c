// Scaling run: dedupe of 1 -> N GB of generated text with --memory 1GB, each size in a fresh
// child process; reports time per GB (must stay within 1.3x of the 1 GB run's) and the peak RSS
// (must stay under 1.5 GB: process.resourceUsage().maxRSS covers the worker threads too).
//   node dist/bench/dedupe/scale.js --gb 1,2,5 [--dir /tmp/kiln-dedupe-scale] [--memory 1GB]
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../../core/log.js';
import { parseByteSize } from '../../core/byte-size.js';
import { runDedupe } from '../../dedupe/dedupe-run.js';
import { seededRandom } from '../../core/seeded-random.js';

const FILE_BYTES = 128e6;

/** The project's seeded generator (core/seeded-random.ts), so every run sees the same corpus. */
const rng = seededRandom;

/**
 * Writes `files` JSONL files of ~128 MB: 1-5 KB documents, ~5% exact and ~5% near copies of
 * documents earlier in the same file. Each file has its own seed, so files already present from
 * an earlier invocation are reused and every file's content is the same whatever was reused.
 */
async function generate(dir: string, files: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const vocabRand = rng(2026);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocab = Array.from({ length: 30000 }, () => Array.from({ length: 2 + Math.floor(vocabRand() * 8) }, () => letters[Math.floor(vocabRand() * 26)]).join(''));
  for (let f = 0; f < files; f++) {
    const file = path.join(dir, `gen-${String(f).padStart(4, '0')}.jsonl`);
    if (existsSync(file)) continue;
    const rand = rng(1000 + f);
    const recent: string[] = [];
    const out = createWriteStream(file + '.tmp');
    let bytes = 0;
    let n = 0;
    while (bytes < FILE_BYTES) {
      let text: string;
      const r = rand();
      if (r < 0.05 && recent.length > 0) text = recent[Math.floor(rand() * recent.length)];
      else if (r < 0.1 && recent.length > 0) text = recent[Math.floor(rand() * recent.length)].split(' ').map((w) => (rand() < 0.03 ? vocab[Math.floor(rand() * vocab.length)] : w)).join(' ');
      else {
        const words = 150 + Math.floor(rand() * 700);
        const ws: string[] = [];
        for (let i = 0; i < words; i++) ws.push(vocab[Math.floor(vocab.length * rand() ** 3)]);
        text = ws.join(' ');
        if (recent.length < 2000) recent.push(text);
        else recent[Math.floor(rand() * recent.length)] = text;
      }
      const line = JSON.stringify({ id: `f${f}-${n++}`, text, url: null }) + '\n';
      bytes += line.length;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(r));
    renameSync(file + '.tmp', file);
    process.stderr.write(`generated ${file}\n`);
  }
}

async function child(files: string[], out: string, memory: number): Promise<void> {
  const started = Date.now();
  const marks: Record<string, number> = {};
  const log = createLogger({}, (line) => {
    const e = JSON.parse(line) as { event: string; stage?: string };
    const key = e.stage ? `${e.event}:${e.stage}` : e.event;
    if (key.startsWith('stage_') || key === 'dedupe_run_chunk' || key === 'dedupe_band_done') marks[key] = (Date.now() - started) / 1000;
  });
  const s = await runDedupe({ inputs: files, out, memory, log, quiet: true });
  const seconds = (Date.now() - started) / 1000;
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, maxRssMB: ru.maxRSS / 1024, kept: s.kept, dropped_exact: s.dropped_exact, dropped_near: s.dropped_near, documents: s.documents, marks }) + '\n');
}

const { values } = parseArgs({
  options: {
    gb: { type: 'string', default: '1,2' },
    dir: { type: 'string', default: '/tmp/kiln-dedupe-scale' },
    memory: { type: 'string', default: '1GB' },
    child: { type: 'boolean', default: false },
    files: { type: 'string' },
    out: { type: 'string' },
    report: { type: 'string' },
  },
});
const memory = parseByteSize(values.memory!)!;
if (values.child) {
  await child(values.files!.split(','), values.out!, memory);
} else {
  const sizes = values.gb!.split(',').map(Number);
  const dir = values.dir!;
  const maxFiles = Math.ceil((Math.max(...sizes) * 1e9) / FILE_BYTES);
  await generate(path.join(dir, 'input'), maxFiles);
  const rows: string[] = [];
  let base: number | undefined;
  let cpuBase: number | undefined;
  for (const gb of sizes) {
    const n = Math.ceil((gb * 1e9) / FILE_BYTES);
    const files = Array.from({ length: n }, (_, f) => path.join(dir, 'input', `gen-${String(f).padStart(4, '0')}.jsonl`));
    const out = path.join(dir, `out-${gb}`);
    rmSync(out, { recursive: true, force: true });
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--files', files.join(','), '--out', out, '--memory', values.memory!], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`child failed for ${gb} GB: ${r.stderr.slice(-2000)}`);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const realGb = (n * FILE_BYTES) / 1e9;
    const perGb = res.seconds / realGb;
    const cpuPerGb = res.cpuSeconds / realGb;
    base ??= perGb;
    cpuBase ??= cpuPerGb;
    const m = res.marks;
    const phase = (a: string, b: string): string => (m[b] !== undefined && m[a] !== undefined ? (m[b] - m[a]).toFixed(0) : '-');
    rows.push(`| ${realGb.toFixed(2)} | ${res.documents} | ${res.dropped_exact} | ${res.dropped_near} | ${res.seconds.toFixed(0)} | ${phase('stage_start:dedupe-signatures', 'stage_done:dedupe-signatures')} | ${phase('stage_done:dedupe-signatures', 'stage_start:dedupe')} | ${phase('stage_start:dedupe', 'stage_done:dedupe')} | ${perGb.toFixed(1)} | ${(perGb / base).toFixed(2)} | ${cpuPerGb.toFixed(1)} | ${(cpuPerGb / cpuBase).toFixed(2)} | ${res.maxRssMB.toFixed(0)} |`);
    process.stderr.write(rows.at(-1) + '\n');
    rmSync(out, { recursive: true, force: true });
  }
  const table = ['| GB | docs | dropped exact | dropped near | total s | signatures s | runs+clusters s | filter s | wall s/GB | vs first | CPU s/GB | vs first | peak RSS MB |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
  console.log(table);
  if (values.report) writeFileSync(values.report, table + '\n');
}
