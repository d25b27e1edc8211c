import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KilnError } from '../../core/errors.js';
import { plannedPhases } from '../stage-phase-plan.js';
import { pipelineMetaDir, stageStateOf, type PipelinePlan, type PlannedStage } from '../pipeline-plan.js';
import type { SlurmSettings, StageSlurmSettings } from '../pipeline-file.js';
import { documentsOf, tokensOf, type StageReport, type TaskFailure } from '../stage-report.js';
import { stagesToRun, type Executor } from './executor.js';
import { shellCommand, ShellRaw } from './shell-quote.js';
import { jobsInQueue, parseSbatchId, showJob, slurmCommand, type SlurmJobRecord } from './slurm-jobs.js';
import { makeDirs } from '../../core/make-dirs.js';

/** A submitted job of a stage: its role, its phase (stages of more than one phase) and its id. */
interface SubmittedJob {
  role: JobSpec['role'];
  phase?: string;
  id: string;
}

/** A stage's submitted Slurm jobs, in submit order. */
interface StageJobs {
  stage: PlannedStage;
  tasks: number;
  jobs: SubmittedJob[];
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

/** sbatch resource flags: the pipeline's `slurm:` block, each key overridden by the stage's own (separate argv entries, no shell). */
function resourceFlags(s: SlurmSettings, own: StageSlurmSettings | undefined): string[] {
  const r = { ...s, ...Object.fromEntries(Object.entries(own ?? {}).filter(([, v]) => v !== undefined)) };
  const flags: string[] = [];
  if (r.partition) flags.push(`--partition=${r.partition}`);
  if (r.account) flags.push(`--account=${r.account}`);
  if (r.cpus_per_task) flags.push(`--cpus-per-task=${r.cpus_per_task}`);
  if (r.mem) flags.push(`--mem=${r.mem}`);
  if (r.time) flags.push(`--time=${r.time}`);
  if (r.gres) flags.push(`--gres=${r.gres}`);
  return [...flags, ...s.extra_args, ...(own?.extra_args ?? [])];
}

/** One sbatch call of a stage; the dependency on the job before is added at submit. */
interface JobSpec {
  role: 'plan' | 'array' | 'finalize';
  /** The phase this job belongs to (named only for stages of more than one phase). */
  phase?: string;
  script: string;
  command: Array<string | ShellRaw>;
  flags: string[];
}

/** Array size and parallelism of one phase's array job (what --dry-run prints). */
export interface PhaseArray {
  phase: string;
  tasks: number;
  parallelism: number;
}

/** The Slurm jobs of one stage still to run, in submit order. */
export interface StageJobPlan {
  stage: PlannedStage;
  /** Array size: elements beyond the stage's own plan exit at once. */
  tasks: number;
  /** Elements running at once. */
  parallelism: number;
  /** Each phase's array, in order. */
  phases: PhaseArray[];
  jobs: JobSpec[];
}

/**
 * The jobs of each stage to run (undefined for a stage that is done). Every stage is phases
 * (pipelines/phased-stage.ts; a defineStage stage is one phase): per phase a plan job, the task
 * array and a finalize job, sized and resourced per phase, each waiting for the one before. A
 * self-planning phase (a core stage's) gets no plan job (its elements plan it) but with
 * --overwrite. N is fixed here, at submit time (`tasks:`, `slurm.phases.NAME.tasks` or
 * `slurm.tasks`; 1 for a single-task phase such as train), because later stages' inputs do not
 * exist yet; elements past the phase's own plan exit at once.
 */
export function slurmJobPlan(plan: PipelinePlan, runDir: string, options: { overwrite?: boolean } = {}): Array<StageJobPlan | undefined> {
  const pipeline = plan.pipeline;
  const settings = pipeline.slurm;
  const kiln = kilnCommand(settings);
  const logDir = path.join(runDir, 'logs');
  // sbatch expands %-patterns in --output: a literal % in the workdir must be doubled.
  const logPattern = (name: string): string => `--output=${logDir.replace(/%/g, '%%')}${path.sep}${name}`;
  const run = stagesToRun(plan);
  return plan.stages.map((s, i) => {
    if (!run[i]) return undefined;
    const phases = plannedPhases(s, settings.tasks);
    const stageTasks = s.tasks ?? (phases.length === 1 ? phases[0].defaultTasks : undefined) ?? settings.tasks;
    // A one-phase stage's jobs are named after the stage alone (and `kiln task` needs no --phase).
    const named = phases.length > 1;
    const jobs: JobSpec[] = [];
    const arrays: PhaseArray[] = [];
    for (const [n, p] of phases.entries()) {
      const name = named ? `${s.key}-${p.name}` : s.key;
      const phase = named ? p.name : undefined;
      const parallelism = Math.min(p.slurm.parallelism ?? settings.parallelism, p.tasks);
      const flags = [`--job-name=kiln-${pipeline.name}-${name}`, `--chdir=${pipeline.workdir}`, ...resourceFlags(settings, p.slurm)];
      const cmd = [...kiln, 'task', pipeline.file, '--stage', s.key, '--tasks', String(stageTasks), ...(plan.generation ? ['--generation', plan.generation] : []), ...(phase ? ['--phase', phase] : [])];
      arrays.push({ phase: p.name, tasks: p.tasks, parallelism });
      const overwrite = n === 0 && options.overwrite;
      if (!p.selfPlanning || overwrite) jobs.push({ role: 'plan', phase, script: path.join(runDir, `${name}-plan.sh`), command: [...cmd, '--plan', ...(overwrite ? ['--overwrite'] : [])], flags: [...flags, logPattern(`${name}-plan-%j.log`)] });
      jobs.push({ role: 'array', phase, script: path.join(runDir, `${name}-task.sh`), command: [...cmd, '--task', new ShellRaw('"$SLURM_ARRAY_TASK_ID"')], flags: [...flags, `--array=0-${p.tasks - 1}%${parallelism}`, logPattern(`${name}-%A_%a.log`)] });
      jobs.push({ role: 'finalize', phase, script: path.join(runDir, `${name}-finalize.sh`), command: [...cmd, '--finalize'], flags: [...flags, logPattern(`${name}-finalize-%j.log`)] });
    }
    return { stage: s, tasks: Math.max(...arrays.map((a) => a.tasks)), parallelism: Math.max(...arrays.map((a) => a.parallelism)), phases: arrays, jobs };
  });
}

/** sbatch arguments of a job, the dependency on the job before included. */
function sbatchArgs(job: JobSpec, after: string | undefined): string[] {
  return ['--parsable', '--kill-on-invalid-dep=yes', ...job.flags, ...(after ? [`--dependency=afterok:${after}`] : []), job.script];
}

/** `kiln run --dry-run --executor slurm`: each stage's (each phase's) array size and the sbatch lines it would submit. */
export function describeSlurmJobs(plan: PipelinePlan, options: { overwrite?: boolean } = {}): string[] {
  const runDir = path.join(pipelineMetaDir(plan.pipeline.workdir), 'slurm', '<run>');
  const lines = ['slurm jobs, in submit order (each waits for the one before with --dependency=afterok):'];
  const size = (tasks: number, parallelism: number): string => `array of ${tasks} task${tasks > 1 ? 's' : ''}, ${parallelism} at once`;
  let previous: string | undefined;
  for (const stage of slurmJobPlan(plan, runDir, options)) {
    if (!stage) continue;
    const named = stage.phases.length > 1;
    if (named) lines.push(`  ${stage.stage.key}: ${stage.phases.length} phases (${stage.phases.map((p) => p.phase).join(', ')}), each its jobs in turn`);
    else lines.push(`  ${stage.stage.key}: ${size(stage.phases[0].tasks, stage.phases[0].parallelism)}`);
    let shown: string | undefined;
    for (const job of stage.jobs) {
      const phase = named ? stage.phases.find((p) => p.phase === job.phase) : undefined;
      if (phase && shown !== phase.phase) lines.push(`   phase ${phase.phase}: ${size(phase.tasks, phase.parallelism)}`);
      shown = phase?.phase;
      const id = `<${stage.stage.key}${job.phase ? `-${job.phase}` : ''}-${job.role}>`;
      lines.push(`    ${id} = ${shellCommand(['sbatch', ...sbatchArgs(job, previous)])}`, `      runs: ${shellCommand(job.command)}`);
      previous = id;
    }
  }
  return lines;
}

/** Writes a job script and submits it; returns the job id. */
async function submit(job: JobSpec, after: string | undefined): Promise<string> {
  // Every argument is single-quoted: the script is run by a shell, and paths or names from the
  // pipeline file must never be interpreted by it.
  const body = [
    '#!/bin/sh',
    '# written by kiln run: one step of a pipeline stage',
    'echo "kiln task on $(hostname) job ${SLURM_JOB_ID:-?} array ${SLURM_ARRAY_JOB_ID:-}_${SLURM_ARRAY_TASK_ID:-} started $(date -u +%FT%TZ)" >&2',
    shellCommand(job.command),
    'status=$?',
    '[ "$status" -eq 0 ] || echo "kiln task exited with status $status" >&2',
    'exit "$status"',
    '',
  ].join('\n');
  await fs.writeFile(job.script, body, { mode: 0o755 });
  return parseSbatchId(await slurmCommand('sbatch', sbatchArgs(job, after)));
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
  const runId = new Date().toISOString().replace(/[-:.]/g, '');
  const runDir = path.join(pipelineMetaDir(pipeline.workdir), 'slurm', runId);
  const logDir = path.join(runDir, 'logs');
  const stageJobs = slurmJobPlan(plan, runDir, options);
  await makeDirs(logDir);
  const reports: StageReport[] = [];
  const submitted: StageJobs[] = [];
  let previous: string | undefined;
  for (const [i, s] of plan.stages.entries()) {
    const planned = stageJobs[i];
    if (!planned) {
      const stats = s.state.success?.stats ?? {};
      // Counted as the local executor counts them: shard writes no rows, its documents are in its stats.
      reports.push({ key: s.key, stage: s.stage.name, out: s.out, status: 'skipped', docsOut: documentsOf(s.state.rows, stats), bytes: s.state.bytes, seconds: 0, stats, tokens: tokensOf(stats) });
      continue;
    }
    const jobs: SubmittedJob[] = [];
    for (const job of planned.jobs) {
      previous = await submit(job, previous);
      jobs.push({ role: job.role, phase: job.phase, id: previous });
    }
    submitted.push({ stage: s, tasks: planned.tasks, jobs });
    options.log.info('slurm_submitted', { stage: s.key, tasks: planned.tasks, jobs: jobs.map((j) => `${j.phase ? `${j.phase}-` : ''}${j.role}=${j.id}`).join(' '), logs: logDir });
  }
  await fs.writeFile(
    path.join(runDir, 'jobs.json'),
    JSON.stringify({ pipeline: pipeline.name, generation: plan.generation, stages: submitted.map((j) => ({ stage: j.stage.key, tasks: j.tasks, jobs: j.jobs })) }, null, 1),
  );
  const jobIds = (j: StageJobs): string[] => j.jobs.map((job) => job.id);
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
      reports.push({ key: j.stage.key, stage: j.stage.stage.name, out: j.stage.out, status: 'ran', docsOut: documentsOf(state.rows, stats), bytes: state.bytes, tokens: tokensOf(stats), seconds: (Date.now() - started) / 1000, stats, jobs: jobIds(j) });
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
  const job = j.jobs.find((x) => x.id === (r.arrayJobId ?? r.jobId)) ?? j.jobs.find((x) => x.id === r.jobId);
  const role = job && job.role !== 'array' ? job.role : (r.arrayTaskId ?? r.jobId);
  const plain = /^\d+$/.test(String(role)) ? Number(role) : role;
  // A phase's failures name the phase: `signatures:2`, `clusters:plan`.
  const task = job?.phase ? `${job.phase}:${role}` : plain;
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
