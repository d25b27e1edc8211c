import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KilnError } from '../../core/errors.js';
import { isComposite } from '../composite-stage.js';
import { pipelineMetaDir, stageStateOf, type PipelinePlan, type PlannedStage } from '../pipeline-plan.js';
import type { SlurmSettings } from '../pipeline-file.js';
import type { StageReport, TaskFailure } from '../stage-report.js';
import { stagesToRun, type Executor } from './executor.js';
import { shellCommand, ShellRaw } from './shell-quote.js';
import { jobsInQueue, parseSbatchId, showJob, slurmCommand, type SlurmJobRecord } from './slurm-jobs.js';
import { makeDirs } from '../../core/make-dirs.js';

/** A stage's Slurm jobs: plan (only with --overwrite), the task array, finalize (SUCCESS.json). */
interface StageJobs {
  stage: PlannedStage;
  tasks: number;
  plan?: string;
  array: string;
  finalize?: string;
}

/** One or more Slurm tasks of a pipeline failed; the message lists each with its log. */
export class SlurmJobFailedError extends KilnError {
  readonly failures: Array<TaskFailure & { stage: string }>;
  constructor(failures: Array<TaskFailure & { stage: string }>) {
    const lines = failures.map((f) => `stage ${f.stage} task ${f.task} ${f.state}${f.message ? ` (${f.message})` : ''}, log ${f.log ?? 'unknown'}`);
    // One line: the CLI prints only an error's first line.
    super('KILN_SLURM_TASK_FAILED', `${failures.length} Slurm task${failures.length > 1 ? 's' : ''} failed: ${lines.join('; ')}`, { path: failures[0]?.log });
    this.failures = failures;
  }
}

/** The command that starts kiln on a compute node: this node binary and this checkout's CLI. */
function kilnCommand(settings: SlurmSettings): string[] {
  if (settings.kiln) return settings.kiln;
  const cli = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
  if (!existsSync(cli)) throw new KilnError('KILN_SLURM', `kiln CLI not found at ${cli}; set slurm.kiln in the pipeline file`, { path: cli });
  return [process.execPath, cli];
}

/** sbatch flags from the pipeline's `slurm:` block (each a separate argv entry, no shell). */
function resourceFlags(s: SlurmSettings): string[] {
  const flags: string[] = [];
  if (s.partition) flags.push(`--partition=${s.partition}`);
  if (s.account) flags.push(`--account=${s.account}`);
  if (s.cpus_per_task) flags.push(`--cpus-per-task=${s.cpus_per_task}`);
  if (s.mem) flags.push(`--mem=${s.mem}`);
  if (s.time) flags.push(`--time=${s.time}`);
  return [...flags, ...s.extra_args];
}

/** Writes a job script and submits it; returns the job id. */
async function submit(script: string, command: ReadonlyArray<string | ShellRaw>, flags: string[]): Promise<string> {
  // Every argument is single-quoted: the script is run by a shell, and paths or names from the
  // pipeline file must never be interpreted by it.
  const body = [
    '#!/bin/sh',
    '# written by kiln run: one step of a pipeline stage',
    'echo "kiln task on $(hostname) job ${SLURM_JOB_ID:-?} array ${SLURM_ARRAY_JOB_ID:-}_${SLURM_ARRAY_TASK_ID:-} started $(date -u +%FT%TZ)" >&2',
    shellCommand(command),
    'status=$?',
    '[ "$status" -eq 0 ] || echo "kiln task exited with status $status" >&2',
    'exit "$status"',
    '',
  ].join('\n');
  await fs.writeFile(script, body, { mode: 0o755 });
  return parseSbatchId(await slurmCommand('sbatch', ['--parsable', '--kill-on-invalid-dep=yes', ...flags, script]));
}

/**
 * Submits each stage still to run as chained jobs: a job array `--array=0-(N-1)%P` of
 * `kiln task ... --task $SLURM_ARRAY_TASK_ID` (each element plans the stage from the previous
 * stage's finished output, then runs its task) and a finalize job (SUCCESS.json, the stage's
 * finalize hook, once); each depends on the one before with afterok. N is fixed at submit time
 * (`tasks:` or `slurm.tasks`) because later stages' inputs do not exist yet; elements beyond the
 * plan's task count exit at once.
 */
export const runSlurm: Executor = async (plan, options) => {
  const pipeline = plan.pipeline;
  const settings = pipeline.slurm;
  const kiln = kilnCommand(settings);
  const runId = new Date().toISOString().replace(/[-:.]/g, '');
  const runDir = path.join(pipelineMetaDir(pipeline.workdir), 'slurm', runId);
  const logDir = path.join(runDir, 'logs');
  // sbatch expands %-patterns in --output: a literal % in the workdir must be doubled.
  const logPattern = (name: string): string => `--output=${logDir.replace(/%/g, '%%')}${path.sep}${name}`;
  await makeDirs(logDir);
  const run = stagesToRun(plan);
  const reports: StageReport[] = [];
  const submitted: StageJobs[] = [];
  let previous: string | undefined;
  for (const [i, s] of plan.stages.entries()) {
    if (!run[i]) {
      reports.push({ key: s.key, stage: s.stage.name, out: s.out, status: 'skipped', docsOut: s.state.rows, bytes: s.state.bytes, seconds: 0, stats: s.state.success?.stats ?? {}, tokens: s.state.success?.stats.tokens });
      continue;
    }
    // A composite stage (dedupe, train, crawl) is one job running all of it.
    const composite = isComposite(s.stage);
    const tasks = composite ? 1 : (s.tasks ?? settings.tasks);
    const base = [...kiln, 'task', pipeline.file, '--stage', s.key, '--tasks', String(tasks), ...(plan.generation ? ['--generation', plan.generation] : [])];
    const common = [`--job-name=kiln-${pipeline.name}-${s.key}`, `--chdir=${pipeline.workdir}`, ...resourceFlags(settings)];
    const after = (id: string | undefined): string[] => (id ? [`--dependency=afterok:${id}`] : []);
    // Array elements plan the stage themselves; a separate planning job is needed only to
    // replace an output made with another config (exactly once, before any element starts).
    const planJob = options.overwrite
      ? await submit(path.join(runDir, `${s.key}-plan.sh`), [...base, '--plan', '--overwrite'], [...common, logPattern(`${s.key}-plan-%j.log`), ...after(previous)])
      : undefined;
    const arrayJob = await submit(path.join(runDir, `${s.key}-task.sh`), [...base, '--task', new ShellRaw('"$SLURM_ARRAY_TASK_ID"')], [
      ...common,
      `--array=0-${tasks - 1}%${Math.min(settings.parallelism, tasks)}`,
      logPattern(`${s.key}-%A_%a.log`),
      ...after(planJob ?? previous),
    ]);
    const finalizeJob = composite
      ? undefined
      : await submit(path.join(runDir, `${s.key}-finalize.sh`), [...base, '--finalize'], [...common, logPattern(`${s.key}-finalize-%j.log`), ...after(arrayJob)]);
    previous = finalizeJob ?? arrayJob;
    submitted.push({ stage: s, tasks, plan: planJob, array: arrayJob, finalize: finalizeJob });
    options.log.info('slurm_submitted', { stage: s.key, tasks, plan: planJob, array: arrayJob, finalize: finalizeJob, logs: logDir });
  }
  await fs.writeFile(
    path.join(runDir, 'jobs.json'),
    JSON.stringify({ pipeline: pipeline.name, generation: plan.generation, stages: submitted.map((j) => ({ stage: j.stage.key, tasks: j.tasks, plan: j.plan, array: j.array, finalize: j.finalize })) }, null, 1),
  );
  const jobIds = (j: StageJobs): string[] => [j.plan, j.array, j.finalize].filter((id): id is string => id !== undefined);
  const ids = submitted.flatMap(jobIds);
  if (options.detach || submitted.length === 0) {
    for (const j of submitted) reports.push({ key: j.stage.key, stage: j.stage.stage.name, out: j.stage.out, status: 'submitted', docsOut: 0, bytes: 0, seconds: 0, stats: {}, jobs: jobIds(j) });
    return { reports: orderLike(plan, reports) };
  }

  const started = Date.now();
  let stopped = false;
  for (;;) {
    const left = await jobsInQueue(ids);
    if (left.length === 0) break;
    if (options.signal?.aborted) {
      // Stopping a waiting run stops its jobs, as Ctrl-C on srun does; --detach leaves them.
      options.log.warn('slurm_cancel', { jobs: left });
      await slurmCommand('scancel', left);
      stopped = true;
      break;
    }
    await sleep(settings.poll_seconds * 1000, options.signal);
  }

  const failures: Array<TaskFailure & { stage: string }> = [];
  for (const j of submitted) {
    const records: SlurmJobRecord[] = [];
    for (const id of jobIds(j)) records.push(...(await showJob(id)));
    const bad = records.filter((r) => r.state !== 'COMPLETED' && !(r.state === 'CANCELLED' && r.reason === 'DependencyNeverSatisfied'));
    const state = await stageStateOf(j.stage.stage, j.stage.out, j.stage.config);
    if (bad.length === 0 && state.condition === 'done') {
      const stats = state.success?.stats ?? {};
      reports.push({ key: j.stage.key, stage: j.stage.stage.name, out: j.stage.out, status: 'ran', docsOut: state.rows, bytes: state.bytes, tokens: stats.tokens, seconds: (Date.now() - started) / 1000, stats, jobs: jobIds(j) });
      continue;
    }
    const stageFailures = bad.map((r) => toFailure(j, r));
    if (stageFailures.length === 0 && !stopped) stageFailures.push({ task: 'finalize', state: 'INCOMPLETE', message: `jobs ended but ${j.stage.out} is ${state.condition}` });
    failures.push(...stageFailures.map((f) => ({ ...f, stage: j.stage.key })));
    reports.push({ key: j.stage.key, stage: j.stage.stage.name, out: j.stage.out, status: stopped ? 'stopped' : 'failed', docsOut: 0, bytes: 0, seconds: (Date.now() - started) / 1000, stats: {}, failures: stageFailures, jobs: jobIds(j) });
    break; // later stages were cancelled by the failed dependency
  }
  const result = { reports: orderLike(plan, reports) };
  return failures.length && !stopped ? { ...result, error: new SlurmJobFailedError(failures) } : result;
};

function toFailure(j: StageJobs, r: SlurmJobRecord): TaskFailure {
  const role = r.jobId === j.plan ? 'plan' : r.jobId === j.finalize ? 'finalize' : (r.arrayTaskId ?? r.jobId);
  const task = /^\d+$/.test(String(role)) ? Number(role) : role;
  return { task, state: r.state, message: `exit ${r.exitCode}${r.reason && r.reason !== 'None' ? `, ${r.reason}` : ''}, job ${r.arrayJobId ? `${r.arrayJobId}_${r.arrayTaskId}` : r.jobId}`, log: r.stdout };
}

function orderLike(plan: PipelinePlan, reports: StageReport[]): StageReport[] {
  const order = new Map(plan.stages.map((s, i) => [s.key, i]));
  return [...reports].sort((a, b) => order.get(a.key)! - order.get(b.key)!);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
