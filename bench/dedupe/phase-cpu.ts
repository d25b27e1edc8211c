/**
 * Dedupe with 1 task vs 8 tasks on the local executor, on ~1 GB of generated text
 * (generated-corpus.ts): the kept set must be the same, and the serial step (clusters) must
 * take at most 10% of the run's CPU time (issue 17): the other steps are what more nodes divide.
 * Per-step CPU and wall time (signatures, buckets, clusters, filter) come from the
 * `dedupe_step_done` log events; each run is a child process of its own. The load average is
 * printed with every result (the machine is shared).
 * `node dist/bench/dedupe/phase-cpu.js [--files 8] [--file-mb 128] [--dir /tmp/kiln-dedupe-phase-cpu]`
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../../core/log.js';
import { readDocuments } from '../../core/input-files.js';
import { runDedupe } from '../../dedupe/dedupe-run.js';
import { writeGeneratedCorpus } from './generated-corpus.js';
import { benchData } from '../../test/core/project-paths.js';

const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

interface StepCost {
  step: string;
  cpu_ms: number;
  wall_ms: number;
}

/** One dedupe run in this (child) process; prints its step costs and kept-set digest as JSON. */
async function child(files: string[], out: string, tasks: number): Promise<void> {
  const steps: StepCost[] = [];
  const log = createLogger({}, (line) => {
    const e = JSON.parse(line) as StepCost & { event: string };
    if (e.event === 'dedupe_step_done') steps.push({ step: e.step, cpu_ms: e.cpu_ms, wall_ms: e.wall_ms });
  });
  const started = performance.now();
  const s = await runDedupe({ inputs: files, out, tasks, log, quiet: true });
  const seconds = (performance.now() - started) / 1000;
  const ids: string[] = [];
  for await (const d of readDocuments([out])) ids.push(d.id);
  const kept = createHash('sha256').update(ids.sort().join('\n')).digest('hex').slice(0, 16);
  process.stdout.write(`${JSON.stringify({ seconds, documents: s.documents, kept: s.kept, keptDigest: kept, steps })}\n`);
}

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '8' },
    'file-mb': { type: 'string', default: '128' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'kiln-dedupe-phase-cpu') },
    child: { type: 'boolean', default: false },
    tasks: { type: 'string' },
    out: { type: 'string' },
    inputs: { type: 'string' },
  },
});
if (values.child) {
  await child(values.inputs!.split(','), values.out!, Number(values.tasks));
} else {
  const t0 = performance.now();
  const files = await writeGeneratedCorpus(benchData('dedupe phase-cpu bench'), path.join(values.dir!, 'input'), Number(values.files), Number(values['file-mb']) * 1e6);
  const gb = files.reduce((n, f) => n + statSync(f).size, 0) / 1e9;
  console.log(`input: ${files.length} JSONL files, ${gb.toFixed(2)} GB (ready in ${((performance.now() - t0) / 1000).toFixed(0)} s); load ${load()}`);
  const results: { tasks: number; keptDigest: string; kept: number }[] = [];
  for (const tasks of [1, 8]) {
    const out = path.join(values.dir!, `out-${tasks}`);
    rmSync(out, { recursive: true, force: true });
    const loadBefore = load();
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--tasks', String(tasks), '--out', out, '--inputs', files.join(',')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`dedupe with ${tasks} tasks failed: ${r.stderr.slice(-2000)}`);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; documents: number; kept: number; keptDigest: string; steps: StepCost[] };
    rmSync(out, { recursive: true, force: true });
    const cpu = res.steps.reduce((n, s) => n + s.cpu_ms, 0);
    const clusters = res.steps.find((s) => s.step === 'clusters');
    if (!clusters) throw new Error('no dedupe_step_done event for the clusters step');
    const share = clusters.cpu_ms / cpu;
    const stepText = res.steps.map((s) => `${s.step} ${(s.cpu_ms / 1000).toFixed(1)} s CPU / ${(s.wall_ms / 1000).toFixed(1)} s wall`).join(', ');
    console.log(`--tasks ${tasks}: ${res.documents} documents, ${res.kept} kept (${res.keptDigest}), ${res.seconds.toFixed(0)} s wall; ${stepText}; clusters ${(100 * share).toFixed(1)}% of ${(cpu / 1000).toFixed(0)} s CPU (target <= 10%); load ${loadBefore} -> ${load()}`);
    results.push({ tasks, keptDigest: res.keptDigest, kept: res.kept });
  }
  if (results[0].keptDigest !== results[1].keptDigest) throw new Error(`kept sets differ: ${results.map((r) => `${r.tasks} tasks ${r.kept} (${r.keptDigest})`).join(' vs ')}`);
  console.log(`same kept set with 1 and 8 tasks: ${results[0].kept} documents (${results[0].keptDigest}); load ${load()}`);
}
