import { datasetStatus, isTrainRun, readShardIndexIn } from '../core/dataset-status.js';
import { readManifest } from '../core/dataset-manifest.js';
import { readJsonIfExists } from '../core/atomic-file.js';
import { listGenerations } from './generations.js';
import { loadPipeline, type RegistrySource } from './load-pipeline.js';
import type { LockOwner } from './lock.js';
import { pipelineMetaDir, planPipeline } from './pipeline-plan.js';
import { readRunRecords, type RunRecord } from './run-log.js';
import { lockPath } from './runner.js';
import { builtinRegistry } from './stage-registry.js';

/** One stage in `kiln status PIPELINE.yaml`. */
export interface PipelineStageStatus {
  key: string;
  stage: string;
  out: string;
  /** done / partial / pending / changed (output made with another config). */
  condition: string;
  tasks?: number;
  done: number;
  pending: number;
  failed: { task: number; code: string; message: string }[];
  rows: number;
  bytes: number;
  lastCommitAt?: string;
  finishedAt?: string;
  /** This stage in the newest run that reached it. */
  lastRun?: { finished: string; status: string; seconds: number; runStatus: string };
}

/** What `kiln status PIPELINE.yaml` reports. */
export interface PipelineStatus {
  pipeline: string;
  file: string;
  workdir: string;
  executor: string;
  generation?: string;
  generations?: string[];
  /** Who holds the lock now (a run in progress), if anyone. */
  running?: LockOwner;
  lastRun?: Pick<RunRecord, 'started' | 'finished' | 'status' | 'error' | 'generation' | 'executor'>;
  stages: PipelineStageStatus[];
}

/** Per stage: done / pending / failed tasks, rows, bytes and last run, read from disk only. */
export async function pipelineStatus(file: string, registry?: RegistrySource): Promise<PipelineStatus> {
  const pipeline = await loadPipeline(file, registry ?? builtinRegistry);
  // An incremental pipeline's status is that of its latest generation, not of the next one a run
  // would start (whose stages are all still pending).
  const generations = pipeline.incremental ? await listGenerations(pipeline.workdir) : undefined;
  const plan = await planPipeline(pipeline, { generation: generations?.at(-1) });
  const runs = await readRunRecords(pipelineMetaDir(pipeline.workdir));
  const last = runs.at(-1);
  const stages: PipelineStageStatus[] = [];
  for (const s of plan.stages) {
    const lastStageRun = [...runs].reverse().find((r) => r.stages.some((x) => x.key === s.key && x.status !== 'skipped'));
    const report = lastStageRun?.stages.find((x) => x.key === s.key);
    const base: PipelineStageStatus = {
      key: s.key,
      stage: s.stage.name,
      out: s.out,
      condition: s.state.condition,
      done: 0,
      pending: 0,
      failed: [],
      rows: 0,
      bytes: 0,
      lastRun: report && lastStageRun ? { finished: lastStageRun.finished, status: report.status, seconds: report.seconds, runStatus: lastStageRun.status } : undefined,
    };
    // A kiln dataset, and also shard's index.json and train's checkpoints (their rows: sequences, steps).
    if ((await readManifest(s.out)) || (await readShardIndexIn(s.out)) || (await isTrainRun(s.out))) {
      const d = await datasetStatus(s.out);
      Object.assign(base, { tasks: d.tasks, done: d.done.length, pending: d.pending.length, failed: d.failed, rows: d.rows, bytes: d.bytes, lastCommitAt: d.lastCommitAt, finishedAt: d.finishedAt });
    }
    stages.push(base);
  }
  return {
    pipeline: pipeline.name,
    file: pipeline.file,
    workdir: pipeline.workdir,
    executor: pipeline.executor,
    generation: plan.generation,
    generations,
    running: await readJsonIfExists<LockOwner>(lockPath(pipeline)).catch(() => undefined),
    lastRun: last && { started: last.started, finished: last.finished, status: last.status, error: last.error, generation: last.generation, executor: last.executor },
    stages,
  };
}

/** The status as a few lines of text (what `kiln status PIPELINE.yaml` prints without --json). */
export function formatPipelineStatus(s: PipelineStatus): string {
  const lines = [`pipeline ${s.pipeline} (${s.file}), workdir ${s.workdir}`];
  if (s.generation) lines.push(`generation ${s.generation} of ${s.generations?.length ?? 0}`);
  if (s.running) lines.push(`running now: pid ${s.running.pid} on ${s.running.host} since ${s.running.started}`);
  if (s.lastRun) lines.push(`last run: ${s.lastRun.status} at ${s.lastRun.finished}${s.lastRun.error ? ` (${s.lastRun.error})` : ''}`);
  const header = ['stage', 'state', 'tasks', 'done', 'pending', 'failed', 'rows', 'bytes', 'last run'];
  const rows = s.stages.map((x) => [x.key, x.condition, String(x.tasks ?? '-'), String(x.done), String(x.pending), String(x.failed.length), String(x.rows), String(x.bytes), x.lastRun ? `${x.lastRun.status} ${x.lastRun.finished}` : '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  lines.push(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  for (const x of s.stages) for (const f of x.failed) lines.push(`${x.key} task ${f.task} failed: ${f.code}: ${f.message}`);
  return lines.join('\n');
}
