import { z } from 'zod';

/** Keys of a stage entry that the runner reads; every other key is the stage's own config. */
export const RUNNER_KEYS = ['stage', 'module', 'export', 'tasks', 'inputs', 'slurm'] as const;

/** Resources of a stage's Slurm jobs; each maps to one sbatch flag. */
const slurmResourceShape = {
  partition: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  cpus_per_task: z.int().positive().optional(),
  mem: z.string().regex(/^\d+[KMGT]?$/, 'a Slurm memory size such as 4G').optional(),
  time: z.string().regex(/^[0-9:-]+$/, 'a Slurm time such as 1:00:00').optional(),
  /** Generic resources, e.g. `gpu:1` (`--gres`). */
  gres: z.string().regex(/^[A-Za-z0-9_:,.-]+$/, 'a Slurm gres such as gpu:1').optional(),
};

/** One phase's jobs (`slurm: { phases: { signatures: {...} } }`): over the stage's own settings. */
export const PhaseSlurmSettings = z.strictObject({
  ...slurmResourceShape,
  /** Array size of this phase (default: the stage's `tasks:` or `slurm.tasks`); ignored for one-task phases. */
  tasks: z.int().positive().optional(),
  /** Array elements of this phase running at once. */
  parallelism: z.int().positive().optional(),
  /** Further sbatch arguments for this phase's jobs, after the stage's. */
  extra_args: z.array(z.string()).default([]),
});
export type PhaseSlurmSettings = z.infer<typeof PhaseSlurmSettings>;

/** A stage entry's own `slurm:` block: overrides the pipeline's resources for that stage's jobs. */
export const StageSlurmSettings = z.strictObject({
  ...slurmResourceShape,
  /** Array elements of this stage running at once. */
  parallelism: z.int().positive().optional(),
  /** Further sbatch arguments for this stage's jobs, after the pipeline's. */
  extra_args: z.array(z.string()).default([]),
  /** Per-phase resources of a stage run as phases (dedupe: signatures, buckets, clusters, filter), by phase name. */
  phases: z.record(z.string().min(1), PhaseSlurmSettings).optional(),
});
export type StageSlurmSettings = z.infer<typeof StageSlurmSettings>;

/** Slurm settings of a pipeline (`slurm:` block); each resource maps to one sbatch flag. */
export const SlurmSettings = z.strictObject({
  ...slurmResourceShape,
  /** Array elements of one stage running at once (`--array=0-(N-1)%P`). */
  parallelism: z.int().positive().default(8),
  /** Task count of stages that do not set `tasks:`, fixed at submit time (later stages' inputs do not exist yet). */
  tasks: z.int().positive().default(4),
  /** Further sbatch arguments, passed as separate argv entries (never through a shell). */
  extra_args: z.array(z.string()).default([]),
  /** Command that starts kiln on the compute nodes; defaults to this node binary + this CLI. */
  kiln: z.array(z.string().min(1)).min(1).optional(),
  /** Seconds between squeue polls while `kiln run` waits for the jobs. */
  poll_seconds: z.number().positive().default(2),
});
export type SlurmSettings = z.infer<typeof SlurmSettings>;

/** One entry under `stages:` before the stage's own schema sees it. */
export const StageEntry = z.looseObject({
  /** Registered stage to run, when the entry's key is not its name (e.g. two dedupe passes). */
  stage: z.string().min(1).optional(),
  /** A custom stage module (path relative to the pipeline file) and the export holding the stage. */
  module: z.string().min(1).optional(),
  export: z.string().min(1).optional(),
  /** Task count for this stage (default: the stage's own plan locally, `slurm.tasks` on Slurm). */
  tasks: z.int().positive().optional(),
  /** Input datasets or files of this stage instead of the previous stage's output. */
  inputs: z.array(z.string().min(1)).optional(),
  /** Slurm resources of this stage's jobs (partition, cpus, memory, time, gres), over the pipeline's. */
  slurm: StageSlurmSettings.optional(),
});
export type StageEntry = z.infer<typeof StageEntry>;

/** The pipeline file (DESIGN.md, "Pipeline file"). */
export const PipelineFile = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore'),
  // An s3:// workdir holds every stage's dataset; the runner's lock and run log stay on this
  // host (pipelineMetaDir). Generations and Slurm jobs need it on a filesystem (refined below).
  workdir: z.string().min(1),
  incremental: z.boolean().default(false),
  schedule: z.string().min(1).optional(),
  executor: z.enum(['local', 'slurm']).default('local'),
  /** Worker threads per stage locally (default: one per core). */
  workers: z.int().positive().optional(),
  slurm: SlurmSettings.optional(),
  stages: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a stage name'), z.union([StageEntry, z.null()]))
    .refine((s) => Object.keys(s).length > 0, 'at least one stage'),
}).superRefine((p, ctx) => {
  // What an s3:// workdir cannot do yet: incremental generations are listed and reopened as
  // folders, and Slurm array elements would each stage and publish the whole output.
  if (!/^s3:\/\//i.test(p.workdir)) return;
  if (p.incremental) ctx.addIssue({ code: 'custom', path: ['workdir'], message: 'an incremental pipeline needs a local or shared-filesystem workdir; s3:// is not supported for incremental pipelines yet' });
  if (p.executor === 'slurm') ctx.addIssue({ code: 'custom', path: ['workdir'], message: 'executor: slurm needs a shared-filesystem workdir; s3:// is not supported on Slurm yet' });
});
export type PipelineFile = z.infer<typeof PipelineFile>;
