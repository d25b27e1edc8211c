// `kiln shard` as phases (core/stage-phases.ts), so a generation can be spread over many
// processes or Slurm nodes and still equal one sequential run byte for byte:
//   scatter  one task per group of consecutive input files: their documents into bucket files of
//            the task's own (buckets/t-NNNNN), committed by the task's result file. Bucket b of
//            the generation is the tasks' bucket-b files in task order = input order, so it holds
//            what one sequential scatter wrote. Finalize sums the results (scatter.json).
//   pack     plan: bucket groups and the cuts of each split's packed stream (pack-plan.ts), from
//            token counts only; one task per range of consecutive shards, resuming from its
//            journal; finalize writes index-gNNNN.json and publishes index.json atomically.
// Memory bounds: scatter = BucketWriter's write buffers (~64 MiB, bucket-store.ts) per task;
// pack plan = one bucket group's token counts (8 B a document); pack = one bucket group
// (`--memory`, bucketBytes) plus one record batch (batchBytes); finalize = the index entries.
// Every step is idempotent: a task killed anywhere and run again (here or on another node)
// rewrites only its own unfinished files. Each generation lives in _kiln/shard/gen-NNNN until
// published; readers holding the old index keep working: no file it names changes.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { ConfigChangedError, ConfigError, UsageError } from '../core/errors.js';
import { listInputFiles } from '../core/input-files.js';
import type { Logger } from '../core/log.js';
import { makeDirsSync } from '../core/make-dirs.js';
import { SHARD_INDEX_FILE, type ShardEntry, type ShardIndex, type SplitName } from '../core/shard-index.js';
import type { PhaseOutcome, PhaseRunContext, StagePhase, StagePhases } from '../core/stage-phases.js';
import { rowsPerShard } from './arrow-shard-writer.js';
import { BucketArena, bucketFile, bucketSizes, groupBuckets, readBucketDocs, readBucketIds } from './bucket-store.js';
import { type ShardConfig, type ShardConfigInput, shardConfigSchema } from './config.js';
import { buildIndex, nextShardNumber } from './generation-index.js';
import { groupShuffleSeed, packArrowSplit } from './pack-arrow.js';
import type { PackJournal } from './pack-journal.js';
import { type PackCut, type PackJob, packCuts, packJobs } from './pack-plan.js';
import { type ScatterInput, type ScatterResult, scatter } from './scatter.js';
import { seededPermutation } from '../core/seeded-random.js';
import { readShardIndexFile, writeShardIndexFile } from './shard-index-file.js';
import { checkSettings, settingsHash, shardSettings } from './shard-settings.js';
import { newLineageState, type OpenDocument } from './shard-lineage.js';
import { commonTokenizer } from './tokenizer-info.js';
import { exportTokenStream } from './token-stream-export.js';

/** Names of shard's phases, in order (what `kiln task --phase` takes). */
export const SHARD_PHASES = ['scatter', 'pack'] as const;
export type ShardPhaseName = (typeof SHARD_PHASES)[number];

const SPLITS: SplitName[] = ['train', 'val'];
/** Most bucket files per split: keeps open descriptors and scatter buffers bounded. */
const MAX_BUCKETS = 256;

export interface ShardSummary {
  out: string;
  generation: number;
  /** True when every input was already in an earlier generation: nothing was written. */
  upToDate: boolean;
  documents: Record<SplitName, number>;
  sequences: Record<SplitName, number>;
  tokens: Record<SplitName, number>;
  shards: Record<SplitName, number>;
  bytes: number;
  emptyDocuments: number;
  seconds: number;
}

export interface GenerationPlan {
  seqLen: number;
  seed: number;
  valFraction: number;
  format: ShardConfig['format'];
  eosId: number;
  vocabSize: number | null;
  /** Hash of the shard settings (shard-settings.ts): an interrupted generation resumes only with the same. */
  configHash: string;
  files: Array<{ path: string; bytes: number; input: number; weight: number }>;
  buckets: number;
  bucketTokenBytes: 2 | 4;
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

function parseConfig(input: ShardConfigInput): ShardConfig {
  const parsed = shardConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`shard config: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { key: issue.path.join('.') });
  }
  const config = parsed.data;
  if (config.weights && config.weights.length !== config.inputs.length) {
    throw new UsageError(`--weights has ${config.weights.length} values for ${config.inputs.length} inputs`, { key: 'weights' });
  }
  return config;
}

function checkCompatible(prev: ShardIndex, next: { seqLen: number; dtype?: string; eosId: number; format: string; tokenizer: { hash: string } | null }, out: string): void {
  const diffs: string[] = [];
  if (prev.tokenizer && next.tokenizer && prev.tokenizer.hash !== next.tokenizer.hash) diffs.push(`tokenizer ${prev.tokenizer.hash.slice(0, 12)} -> ${next.tokenizer.hash.slice(0, 12)}`);
  if (prev.seq_len !== next.seqLen) diffs.push(`seq_len ${prev.seq_len} -> ${next.seqLen}`);
  if (next.dtype !== undefined && prev.dtype !== next.dtype) diffs.push(`dtype ${prev.dtype} -> ${next.dtype}`);
  if (prev.eos_id !== next.eosId) diffs.push(`eos ${prev.eos_id} -> ${next.eosId}`);
  if (prev.layout !== next.format) diffs.push(`format ${prev.layout} -> ${next.format}`);
  if (diffs.length > 0) {
    throw new ConfigChangedError(`${out} holds shards with other settings (${diffs.join(', ')}); write a new generation with the same settings or use another --out`, { path: out });
  }
}

/** True when `prev` was made with `settings` (an older index without settings: compared key by key). */
function sameSettings(prev: ShardIndex, settings: ReturnType<typeof shardSettings>, out: string): boolean {
  try {
    checkSettings(prev, settings, out);
    return true;
  } catch (err) {
    if (err instanceof ConfigChangedError) return false;
    throw err;
  }
}

/** The settings hash of an interrupted, unpublished generation `generation`, if one is on disk. */
function unpublishedPlanHash(stateRoot: string, generation: number): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(stateRoot, `gen-${pad4(generation)}`, 'plan.json'), 'utf8')) as Partial<GenerationPlan>).configHash ?? '';
  } catch {
    return undefined;
  }
}

/** Names of the files `runShard` writes into a shards directory (shards, exports, temp files). */
const SHARD_FILE = /^(\.tmp-.*|(train|val)(-g\d{4})?(-\d{5})?\.(arrow|bin|idx|ids\.jsonl))$/;

/** Removes what earlier runs wrote into `out` (index, shards, state); a user's other files stay. */
function clearShards(out: string, prev: ShardIndex | undefined): void {
  const named = new Set(SPLITS.flatMap((s) => prev?.splits[s].shards.map((e) => e.file) ?? []));
  for (const name of readdirSync(out)) {
    if (name === SHARD_INDEX_FILE || named.has(name) || SHARD_FILE.test(name)) rmSync(path.join(out, name), { force: true });
  }
  rmSync(path.join(out, '_kiln', 'shard'), { recursive: true, force: true });
}

/** Options of one `runShard` call that are not settings of the shards. */
export interface RunShardOptions {
  log?: Logger;
  signal?: AbortSignal;
  /** Replace shards made with other settings (otherwise KILN_CONFIG_CHANGED). */
  overwrite?: boolean;
}


/** Options of one shard run that are not settings of the shards. */
export interface RunShardOptions {
  log?: Logger;
  signal?: AbortSignal;
  /** Replace shards made with other settings (otherwise KILN_CONFIG_CHANGED); the scatter plan does it. */
  overwrite?: boolean;
  /** Task count of each phase; default 1 (the output is the same for any count). */
  tasks?: number;
  /** Task count of one phase, over `tasks`. */
  phaseTasks?: Partial<Record<ShardPhaseName, number>>;
}

/** The generation this run writes, as the inputs and the published index decide it. */
interface Generation {
  prev: ShardIndex | undefined;
  generation: number;
  genDir: string;
  plan: GenerationPlan;
  inputs: ScatterInput[];
  tokenizer: { name: string; hash: string } | null;
}

/** `scatter-plan.json`: the input files of each scatter task, [first, end) into plan.files; fixed once written. */
interface ScatterPlan {
  tasks: Array<[number, number]>;
}

/** `pack-plan.json`: fixed once written (a resumed or remote job packs the same ranges). */
interface PackPlan {
  dtype: 'uint16' | 'uint32';
  vocabSize: number;
  /** Bucket numbers of each group, per split. */
  groups: Record<SplitName, number[][]>;
  /** The jobs of each task, in order. */
  tasks: PackJob[][];
}

/** Result file of a finished Megatron / nanoGPT export job (one per split; such a file cannot be cut). */
interface ExportResult {
  shards: ShardEntry[];
}

/** Splits `n` items of `sizes` into at most `k` consecutive ranges of similar total size. */
function balancedRanges(sizes: readonly number[], k: number): Array<[number, number]> {
  const n = sizes.length;
  const count = Math.max(1, Math.min(k, n));
  const total = sizes.reduce((a, b) => a + b, 0);
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let acc = 0;
  for (let r = 0; r < count; r++) {
    let end = start;
    const target = (total * (r + 1)) / count;
    // Leave at least one item for each range after this one.
    while (end < n - (count - r - 1) && (end === start || acc + sizes[end] <= target || r === count - 1)) acc += sizes[end++];
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** One `kiln shard` generation over `config.out`, as phases. */
export class ShardRun {
  /** What the pack finalize published (or what the run found up to date), once it ran here. */
  summary?: ShardSummary;
  private readonly started = Date.now();

  private constructor(
    readonly config: ShardConfig,
    readonly out: string,
    private readonly options: RunShardOptions,
    private readonly log: Logger,
  ) {}

  /** Checks the config; touches nothing but the output folder's existence. */
  static open(input: ShardConfigInput, options: RunShardOptions & { log: Logger }): ShardRun {
    const config = parseConfig(input);
    const out = path.resolve(config.out);
    makeDirsSync(out);
    return new ShardRun(config, out, options, options.log);
  }

  private get stateRoot(): string {
    return path.join(this.out, '_kiln', 'shard');
  }

  private tasksOf(phase: ShardPhaseName): number {
    return this.options.phaseTasks?.[phase] ?? this.options.tasks ?? 1;
  }

  /**
   * The generation to write, or undefined when every input is in the index already. With
   * `overwrite` (the scatter plan only) shards made with other settings are removed first.
   */
  private async resolve(overwrite: boolean): Promise<Generation | undefined> {
    const { config, out, log, stateRoot } = this;
    let prev = readShardIndexFile(out);
    const settings = shardSettings(config);
    const configHash = settingsHash(settings);
    // Settings are checked before anything else, the same way core checks a stage's config hash:
    // a rerun with another --seq-len must not report "up to date" over shards of the old length.
    const planned = unpublishedPlanHash(stateRoot, prev?.generations.length ?? 0);
    const changed = (prev !== undefined && !sameSettings(prev, settings, out)) || (planned !== undefined && planned !== configHash);
    if (changed) {
      if (!overwrite) {
        if (prev) checkSettings(prev, settings, out);
        throw new ConfigChangedError(`shards ${out} have an unfinished generation made with other settings; pass --overwrite to replace it, or run again with the same settings`, { path: out });
      }
      log.info('overwrite', { out, stage: 'shard' });
      clearShards(out, prev);
      prev = undefined;
    }

    // Inputs this generation takes: every listed file that no earlier generation ingested.
    const seen = new Set((prev?.generations ?? []).flatMap((g) => g.inputs.map((i) => `${i.path}\u0000${i.bytes}`)));
    const inputs: ScatterInput[] = [];
    for (const [i, dir] of config.inputs.entries()) {
      const weight = config.weights?.[i] ?? 1;
      for (const file of await listInputFiles([dir])) {
        const abs = { ...file, path: path.resolve(file.path) };
        if (!seen.has(`${abs.path}\u0000${abs.bytes}`)) inputs.push({ file: abs, input: i, weight });
      }
    }
    const generation = prev?.generations.length ?? 0;
    // An input with no parts at all (every document filtered upstream) still makes a generation
    // on a new directory: an empty, valid index that says 0 sequences, which train refuses by name.
    if (inputs.length === 0 && prev !== undefined) return undefined;

    const tok = commonTokenizer(config.inputs);
    const eosId = config.eosId ?? tok?.eosId ?? prev?.eos_id;
    if (eosId === undefined) {
      const why = tok ? `the tokenizer ${tok.name} the input was made with has no EOS token` : 'the input has no tokenizer info';
      throw new UsageError(`no EOS id: ${why}, give --eos ID`, { key: 'eos' });
    }
    // A --vocab-size below the tokenizer's would let ids past it through into the shards.
    if (config.vocabSize !== undefined && tok && config.vocabSize < tok.vocabSize) {
      throw new UsageError(`--vocab-size ${config.vocabSize} is below the vocab size of the input's tokenizer ${tok.name} (${tok.vocabSize})`, { key: 'vocab-size' });
    }
    const knownVocab = config.vocabSize ?? tok?.vocabSize ?? prev?.vocab_size ?? null;
    const tokenizer = config.tokenizer ?? (tok ? { name: tok.name, hash: tok.hash } : prev?.tokenizer ?? null);

    // Pass-1 bucket count from the input size: Parquet int32 token lists compress to roughly 1-2
    // bytes a token, so 4x the file bytes (times the largest weight) over-estimates the bucketed
    // bytes; pass 2 regroups small buckets, so over-estimating costs only file handles.
    const maxWeight = Math.max(1, ...inputs.map((s) => s.weight));
    const estimate = inputs.reduce((a, s) => a + s.file.bytes, 0) * 4 * maxWeight;
    const buckets = Math.max(1, Math.min(MAX_BUCKETS, Math.ceil((estimate * 2) / config.bucketBytes)));
    const plan: GenerationPlan = {
      seqLen: config.seqLen,
      seed: config.seed,
      valFraction: config.valFraction,
      format: config.format,
      eosId,
      vocabSize: knownVocab,
      configHash,
      files: inputs.map((s) => ({ path: s.file.path, bytes: s.file.bytes, input: s.input, weight: s.weight })),
      buckets,
      bucketTokenBytes: knownVocab !== null && knownVocab <= 65536 ? 2 : 4,
    };
    if (knownVocab !== null && eosId >= knownVocab) throw new UsageError(`EOS id ${eosId} is outside the vocabulary (${knownVocab})`, { key: 'eos' });
    // Refuse an incompatible generation before any work; dtype is checked once the vocab is known.
    if (prev) checkCompatible(prev, { seqLen: config.seqLen, eosId, format: config.format, tokenizer }, out);
    return { prev, generation, genDir: path.join(stateRoot, `gen-${pad4(generation)}`), plan, inputs, tokenizer };
  }

  /** The generation being written, its plan.json on disk (undefined: up to date). */
  private async current(): Promise<Generation | undefined> {
    const gen = await this.resolve(false);
    if (!gen) return undefined;
    const onDisk = existsSync(path.join(gen.genDir, 'plan.json')) ? readFileSync(path.join(gen.genDir, 'plan.json'), 'utf8') : undefined;
    if (onDisk !== JSON.stringify(gen.plan)) throw new ConfigError(`shard state ${gen.genDir} is missing or from other inputs: plan the scatter phase first`, { path: gen.genDir });
    return gen;
  }

  private upToDate(): PhaseOutcome {
    this.summary ??= { ...emptySummary(this.out, (readShardIndexFile(this.out)?.generations.length ?? 1) - 1), upToDate: true, seconds: (Date.now() - this.started) / 1000 };
    this.log.info('shard_up_to_date', { out: this.out, generations: this.summary.generation + 1 });
    return { stopped: false };
  }

  /** The phases of this run. */
  phases(): StagePhases {
    return { stage: 'shard', phases: [this.scatterPhase(), this.packPhase()] };
  }

  // ---- scatter -------------------------------------------------------------------------------

  private scatterDir(genDir: string): string {
    return path.join(genDir, 'buckets');
  }

  private scatterTaskDir(genDir: string, t: number): string {
    return path.join(this.scatterDir(genDir), `t-${String(t).padStart(5, '0')}`);
  }

  private async scatterPlan(gen: Generation): Promise<ScatterPlan> {
    const plan = await readJsonIfExists<ScatterPlan>(path.join(gen.genDir, 'scatter-plan.json'));
    if (!plan) throw new ConfigError(`shard state ${gen.genDir} has no scatter plan: plan the scatter phase first`, { path: gen.genDir });
    return plan;
  }

  private scatterPhase(): StagePhase {
    return {
      name: 'scatter',
      plan: async () => {
        const gen = await this.resolve(!!this.options.overwrite);
        if (!gen) return 0;
        const { genDir, generation } = gen;
        // Earlier generations' leftovers (a crash after publishing) and a plan from other settings go.
        if (existsSync(this.stateRoot)) {
          for (const name of readdirSync(this.stateRoot)) {
            const m = /^gen-(\d{4})$/.exec(name);
            if (m && Number(m[1]) < generation) rmSync(path.join(this.stateRoot, name), { recursive: true, force: true });
          }
        }
        const planFile = path.join(genDir, 'plan.json');
        const planText = JSON.stringify(gen.plan);
        if (existsSync(planFile) && readFileSync(planFile, 'utf8') !== planText) {
          this.log.warn('shard_plan_changed', { generation, action: 'restarting this unpublished generation' });
          rmSync(genDir, { recursive: true, force: true });
        }
        makeDirsSync(genDir);
        if (!existsSync(planFile)) await writeFileAtomic(planFile, planText);
        const scatterFile = path.join(genDir, 'scatter-plan.json');
        let plan = await readJsonIfExists<ScatterPlan>(scatterFile);
        if (!plan) {
          plan = { tasks: balancedRanges(gen.plan.files.map((f) => f.bytes), this.tasksOf('scatter')) };
          await writeFileAtomic(scatterFile, JSON.stringify(plan));
        }
        return existsSync(path.join(genDir, 'scatter.json')) ? 0 : plan.tasks.length;
      },
      runTasks: async (indices, ctx) => {
        const gen = await this.current();
        if (!gen || existsSync(path.join(gen.genDir, 'scatter.json'))) return { stopped: false };
        const plan = await this.scatterPlan(gen);
        for (const t of indices) {
          if (ctx.signal?.aborted) return { stopped: true };
          await this.scatterTask(gen, plan, t, ctx);
        }
        return { stopped: false };
      },
      finalize: async (ctx) => {
        const gen = await this.current();
        if (!gen) return this.upToDate();
        const scatterFile = path.join(gen.genDir, 'scatter.json');
        if (existsSync(scatterFile)) return { stopped: false };
        const plan = await this.scatterPlan(gen);
        const total: ScatterResult = { documents: { train: 0, val: 0 }, copies: { train: 0, val: 0 }, tokens: { train: 0, val: 0 }, empty: 0, maxToken: -1 };
        for (let t = 0; t < plan.tasks.length; t++) {
          // A task this run's array did not cover (an older plan with more tasks) runs here.
          let r = await readJsonIfExists<ScatterResult>(`${this.scatterTaskDir(gen.genDir, t)}.json`);
          if (!r) r = await this.scatterTask(gen, plan, t, ctx);
          for (const split of SPLITS) {
            total.documents[split] += r.documents[split];
            total.copies[split] += r.copies[split];
            total.tokens[split] += r.tokens[split];
          }
          total.empty += r.empty;
          total.maxToken = Math.max(total.maxToken, r.maxToken);
        }
        await writeFileAtomic(scatterFile, JSON.stringify(total));
        return { stopped: false };
      },
    };
  }

  /** Scatter task t: its input files into its own bucket files; the result file commits it. */
  private async scatterTask(gen: Generation, plan: ScatterPlan, t: number, ctx: PhaseRunContext): Promise<ScatterResult> {
    const dir = this.scatterTaskDir(gen.genDir, t);
    const resultFile = `${dir}.json`;
    const done = await readJsonIfExists<ScatterResult>(resultFile);
    if (done) return done;
    const [first, end] = plan.tasks[t];
    // A scatter cut short leaves partial buckets: the task restarts from scratch (one sequential pass).
    rmSync(dir, { recursive: true, force: true });
    makeDirsSync(this.scatterDir(gen.genDir));
    ctx.log.info('shard_scatter_start', { generation: gen.generation, task: t, files: end - first, buckets: gen.plan.buckets });
    const result = await scatter(gen.inputs.slice(first, end), {
      dir,
      buckets: gen.plan.buckets,
      tokenBytes: gen.plan.bucketTokenBytes,
      seed: this.config.seed,
      valFraction: this.config.valFraction,
      tokensColumn: this.config.tokensColumn,
      tokenLimit: gen.plan.vocabSize ?? 2 ** 32,
      log: ctx.log,
      signal: ctx.signal ?? this.options.signal,
    });
    await writeFileAtomic(resultFile, JSON.stringify(result));
    return result;
  }

  // ---- pack ----------------------------------------------------------------------------------

  /** The bucket files of a group: each bucket's files of every scatter task, in task order (= input order). */
  private groupFiles(gen: Generation, scatterTasks: number, split: SplitName, buckets: readonly number[]): string[] {
    return buckets.flatMap((b) => Array.from({ length: scatterTasks }, (_, t) => bucketFile(this.scatterTaskDir(gen.genDir, t), split, b)));
  }

  private async scattered(gen: Generation): Promise<ScatterResult> {
    const r = await readJsonIfExists<ScatterResult>(path.join(gen.genDir, 'scatter.json'));
    if (!r) throw new ConfigError(`shard state ${gen.genDir} has no scatter result: finish the scatter phase first`, { path: gen.genDir });
    return r;
  }

  private async packPlan(gen: Generation): Promise<PackPlan> {
    const file = path.join(gen.genDir, 'pack-plan.json');
    const existing = await readJsonIfExists<PackPlan>(file);
    if (existing) return existing;
    const scattered = await this.scattered(gen);
    const { plan, prev, generation } = gen;
    const vocabSize = plan.vocabSize ?? Math.max(scattered.maxToken, plan.eosId) + 1;
    const dtype = vocabSize <= 65536 ? 'uint16' : 'uint32';
    if (prev) checkCompatible(prev, { seqLen: this.config.seqLen, dtype, eosId: plan.eosId, format: this.config.format, tokenizer: gen.tokenizer }, this.out);
    const scatterTasks = (await this.scatterPlan(gen)).tasks.length;
    const groups = {} as Record<SplitName, number[][]>;
    const jobs: Record<SplitName, PackJob[]> = { train: [], val: [] };
    const tasks = this.tasksOf('pack');
    // With two tasks or more, val (a small share) gets one and train the rest.
    const share: Record<SplitName, number> = { train: Math.max(1, tasks - 1), val: 1 };
    for (const split of SPLITS) {
      // Sizes of bucket b = its files over every scatter task: the sequential scatter's bucket b.
      const sizes = new Array<number>(plan.buckets).fill(0);
      for (let t = 0; t < scatterTasks; t++) bucketSizes(this.scatterTaskDir(gen.genDir, t), split, plan.buckets).forEach((s, b) => (sizes[b] += s));
      groups[split] = groupBuckets(sizes, this.config.bucketBytes);
      if (this.config.format !== 'arrow') {
        if (scattered.copies[split] > 0) jobs[split] = [{ split, part: 0, start: { group: 0, doc: 0, rows: 0, pos: 0, nextShard: 0, documents: 0, tail: [] }, endShard: null, end: null }];
        continue;
      }
      const rowLength = this.config.seqLen + 1;
      const cuts = packCuts({
        split,
        groups: groups[split].map((g) => this.groupFiles(gen, scatterTasks, split, g)),
        seed: this.config.seed,
        generation,
        rowLength,
        rowsPerShard: rowsPerShard(rowLength, dtype, this.config.batchBytes, this.config.shardBytes),
        firstShard: nextShardNumber(prev?.splits[split].shards ?? []),
      });
      jobs[split] = packJobs(split, cuts, share[split]);
    }
    const all = [...jobs.train, ...jobs.val];
    const taskJobs = tasks <= 1 ? [all] : all.map((j) => [j]);
    const packPlan: PackPlan = { dtype, vocabSize, groups, tasks: taskJobs };
    await writeFileAtomic(file, JSON.stringify(packPlan));
    return packPlan;
  }

  private packPhase(): StagePhase {
    return {
      name: 'pack',
      plan: async () => {
        const gen = await this.current();
        if (!gen) return 0;
        return (await this.packPlan(gen)).tasks.length;
      },
      runTasks: async (indices, ctx) => {
        const gen = await this.current();
        if (!gen) return { stopped: false };
        const plan = await this.packPlan(gen);
        for (const t of indices) {
          if (ctx.signal?.aborted) return { stopped: true };
          for (const job of plan.tasks[t]) await this.packJob(gen, plan, job, ctx);
        }
        return { stopped: false };
      },
      finalize: (ctx) => this.publish(ctx),
    };
  }

  private journalFile(gen: Generation, job: PackJob): string {
    return path.join(gen.genDir, `pack-${job.split}${job.part > 0 ? `-${job.part}` : ''}.json`);
  }

  /** One pack job: a range of a split's shards (Arrow) or a whole split's export; returns its shards and pad tokens. */
  private async packJob(gen: Generation, plan: PackPlan, job: PackJob, ctx: PhaseRunContext): Promise<{ shards: ShardEntry[]; padTokens: number }> {
    const { config } = this;
    const scatterTasks = (await this.scatterPlan(gen)).tasks.length;
    const groups = plan.groups[job.split].map((g) => this.groupFiles(gen, scatterTasks, job.split, g));
    const journalFile = this.journalFile(gen, job);
    if (config.format !== 'arrow') {
      const done = await readJsonIfExists<ExportResult>(journalFile);
      if (done) return { shards: done.shards, padTokens: 0 };
      // A killed export restarts its split (token-stream-export.ts).
      const res = await exportTokenStream({
        out: this.out,
        split: job.split,
        groups,
        tokenBytes: gen.plan.bucketTokenBytes,
        dtype: plan.dtype,
        eosId: gen.plan.eosId,
        seed: config.seed,
        generation: gen.generation,
        format: config.format,
        baseName: gen.generation === 0 ? job.split : `${job.split}-g${pad4(gen.generation)}`,
      });
      await writeFileAtomic(journalFile, JSON.stringify({ shards: res.shards } satisfies ExportResult));
      return { shards: res.shards, padTokens: 0 };
    }
    const initial = existsSync(journalFile) ? undefined : this.startJournal(job, groups, gen);
    const res = await packArrowSplit({
      out: this.out,
      split: job.split,
      groups,
      tokenBytes: gen.plan.bucketTokenBytes,
      dtype: plan.dtype,
      seqLen: config.seqLen,
      eosId: gen.plan.eosId,
      shardBytes: config.shardBytes,
      batchBytes: config.batchBytes,
      seed: config.seed,
      generation: gen.generation,
      firstShard: job.start.nextShard,
      journalFile,
      initial,
      endShard: job.endShard ?? undefined,
      end: job.end ?? undefined,
      signal: ctx.signal ?? this.options.signal,
      onShard: (e) => ctx.log.info('shard_written', { file: e.file, sequences: e.sequences, bytes: e.bytes }),
    });
    return { shards: res.shards, padTokens: res.padTokens };
  }

  /**
   * The journal a pack job starts from: the sequential packer's state at its cut. The last
   * partial row and the documents still open for lineage come from the cut's tail documents,
   * read from their bucket groups one at a time (memory: one group, as packing).
   */
  private startJournal(job: PackJob, groups: string[][], gen: Generation): PackJournal {
    const cut: PackCut = job.start;
    const step = this.config.seqLen;
    const edge = cut.rows * step;
    const pending: number[] = [];
    const open: OpenDocument[] = [];
    const arena = new BucketArena();
    for (const g of [...new Set(cut.tail.map((d) => d.group))].sort((a, b) => a - b)) {
      const docs = readBucketDocs(groups[g], gen.plan.bucketTokenBytes, arena);
      const ids = readBucketIds(groups[g]);
      const order = seededPermutation(docs.length, groupShuffleSeed(this.config.seed, gen.generation, job.split, g));
      for (const d of cut.tail.filter((x) => x.group === g)) {
        const doc = docs[order[d.doc]];
        for (let k = Math.max(0, edge - d.start); k < d.tokens; k++) pending.push(doc[k]);
        pending.push(gen.plan.eosId);
        if (d.start + d.tokens > edge) open.push([ids[order[d.doc]], d.start, d.tokens]);
      }
    }
    const lineage = cut.rows === 0 ? newLineageState() : { pos: cut.pos, shardStart: edge + 1, open };
    return { group: cut.group, doc: cut.doc, packer: { pending, rows: cut.rows }, shards: [], nextShard: cut.nextShard, documents: cut.documents, padTokens: 0, finished: false, lineage };
  }

  /** Pack finalize: every job's shards (a job the array missed runs here), index-gNNNN.json, then index.json. */
  private async publish(ctx: PhaseRunContext): Promise<PhaseOutcome> {
    const gen = await this.current();
    if (!gen) return this.upToDate();
    const plan = await this.packPlan(gen);
    const scattered = await this.scattered(gen);
    const newShards: Record<SplitName, ShardEntry[]> = { train: [], val: [] };
    const padTokens: Record<SplitName, number> = { train: 0, val: 0 };
    for (const job of plan.tasks.flat()) {
      const r = await this.packJob(gen, plan, job, ctx);
      newShards[job.split].push(...r.shards);
      padTokens[job.split] += r.padTokens;
    }
    const settings = shardSettings(this.config);
    const index = buildIndex(gen.prev, {
      config: this.config,
      generation: gen.generation,
      dtype: plan.dtype,
      vocabSize: plan.vocabSize,
      eosId: gen.plan.eosId,
      tokenizer: gen.tokenizer,
      newShards,
      padTokens,
      scattered,
      files: gen.plan.files,
      settings,
      configHash: settingsHash(settings),
    });
    await writeFileAtomic(path.join(this.stateRoot, `index-g${pad4(gen.generation)}.json`), JSON.stringify(index));
    await writeShardIndexFile(this.out, index);
    rmSync(gen.genDir, { recursive: true, force: true });

    const summary = emptySummary(this.out, gen.generation);
    for (const split of SPLITS) {
      // Documents as the index counts them: each mixture copy (--weights 2 counts a document twice).
      summary.documents[split] = scattered.copies[split];
      summary.sequences[split] = newShards[split].reduce((a, s) => a + s.sequences, 0);
      summary.tokens[split] = newShards[split].reduce((a, s) => a + s.tokens, 0);
      // A Megatron `.idx` is the companion of its `.bin`: one shard, two files.
      summary.shards[split] = newShards[split].filter((s) => !s.file.endsWith('.idx')).length;
      summary.bytes += newShards[split].reduce((a, s) => a + s.bytes, 0);
    }
    summary.emptyDocuments = scattered.empty;
    summary.seconds = (Date.now() - this.started) / 1000;
    this.summary = summary;
    this.log.info('shard_done', { ...summary });
    return { stopped: false };
  }
}

function emptySummary(out: string, generation: number): ShardSummary {
  return {
    out,
    generation,
    upToDate: false,
    documents: { train: 0, val: 0 },
    sequences: { train: 0, val: 0 },
    tokens: { train: 0, val: 0 },
    shards: { train: 0, val: 0 },
    bytes: 0,
    emptyDocuments: 0,
    seconds: 0,
  };
}
