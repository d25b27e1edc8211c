// `kiln shard`: token datasets -> shuffled, packed shards + index.json. Each run is one
// generation: it ingests the input files no earlier generation took, scatters their documents
// into bucket files (pass 1), packs each bucket group into shards (pass 2) and then publishes a
// new index.json atomically. Readers holding the old index keep working: no file it names changes.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { ConfigChangedError, ConfigError, UsageError } from '../core/errors.js';
import { listInputFiles } from '../core/input-files.js';
import { type Logger, createLogger } from '../core/log.js';
import { SHARD_INDEX_FILE, type ShardEntry, type ShardIndex, type SplitName } from '../core/shard-index.js';
import { bucketFile, bucketSizes, groupBuckets } from './bucket-store.js';
import { buildIndex, nextShardNumber } from './generation-index.js';
import { type ShardConfig, type ShardConfigInput, shardConfigSchema } from './config.js';
import { packArrowSplit } from './pack-arrow.js';
import { type ScatterInput, type ScatterResult, scatter } from './scatter.js';
import { readShardIndexFile, writeShardIndexFile } from './shard-index-file.js';
import { exportTokenStream } from './token-stream-export.js';
import { checkSettings, settingsHash, shardSettings } from './shard-settings.js';
import { commonTokenizer } from './tokenizer-info.js';
import { makeDirsSync } from '../core/make-dirs.js';

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

interface GenerationPlan {
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

/** Shards token datasets into `config.out` as a new generation (or resumes an interrupted one). */
export async function runShard(input: ShardConfigInput, options: RunShardOptions = {}): Promise<ShardSummary> {
  const started = Date.now();
  const config = parseConfig(input);
  const log = options.log ?? createLogger({ stage: 'shard' });
  const out = path.resolve(config.out);
  makeDirsSync(out);
  let prev = readShardIndexFile(out);
  const settings = shardSettings(config);
  const configHash = settingsHash(settings);
  const stateRoot = path.join(out, '_kiln', 'shard');
  // Settings are checked before anything else, the same way core checks a stage's config hash:
  // a rerun with another --seq-len must not report "up to date" over shards of the old length.
  const planned = unpublishedPlanHash(stateRoot, prev?.generations.length ?? 0);
  const changed = (prev !== undefined && !sameSettings(prev, settings, out)) || (planned !== undefined && planned !== configHash);
  if (changed) {
    if (!options.overwrite) {
      if (prev) checkSettings(prev, settings, out);
      throw new ConfigChangedError(`shards ${out} have an unfinished generation made with other settings; pass --overwrite to replace it, or run again with the same settings`, { path: out });
    }
    log.info('overwrite', { out, stage: 'shard' });
    clearShards(out, prev);
    prev = undefined;
  }

  // Inputs this generation takes: every listed file that no earlier generation ingested.
  const seen = new Set((prev?.generations ?? []).flatMap((g) => g.inputs.map((i) => `${i.path}\u0000${i.bytes}`)));
  const scatterInputs: ScatterInput[] = [];
  for (const [i, dir] of config.inputs.entries()) {
    const weight = config.weights?.[i] ?? 1;
    for (const file of await listInputFiles([dir])) {
      const abs = { ...file, path: path.resolve(file.path) };
      if (!seen.has(`${abs.path}\u0000${abs.bytes}`)) scatterInputs.push({ file: abs, input: i, weight });
    }
  }
  const generation = prev?.generations.length ?? 0;
  const summary: ShardSummary = {
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
  // An input with no parts at all (every document filtered upstream) still makes a generation
  // on a new directory: an empty, valid index that says 0 sequences, which train refuses by name.
  if (scatterInputs.length === 0 && prev !== undefined) {
    log.info('shard_up_to_date', { out, generations: generation });
    return { ...summary, generation: generation - 1, upToDate: true, seconds: (Date.now() - started) / 1000 };
  }

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
  const maxWeight = Math.max(1, ...scatterInputs.map((s) => s.weight));
  const estimate = scatterInputs.reduce((a, s) => a + s.file.bytes, 0) * 4 * maxWeight;
  const buckets = Math.max(1, Math.min(MAX_BUCKETS, Math.ceil((estimate * 2) / config.bucketBytes)));
  const plan: GenerationPlan = {
    seqLen: config.seqLen,
    seed: config.seed,
    valFraction: config.valFraction,
    format: config.format,
    eosId,
    vocabSize: knownVocab,
    configHash,
    files: scatterInputs.map((s) => ({ path: s.file.path, bytes: s.file.bytes, input: s.input, weight: s.weight })),
    buckets,
    bucketTokenBytes: knownVocab !== null && knownVocab <= 65536 ? 2 : 4,
  };
  if (knownVocab !== null && eosId >= knownVocab) throw new UsageError(`EOS id ${eosId} is outside the vocabulary (${knownVocab})`, { key: 'eos' });

  // Refuse an incompatible generation before any work; dtype is checked once the vocab is known.
  if (prev) checkCompatible(prev, { seqLen: config.seqLen, eosId, format: config.format, tokenizer }, out);

  // Earlier generations' leftovers (a crash after publishing) and a plan from other settings go.
  if (existsSync(stateRoot)) {
    for (const name of readdirSync(stateRoot)) {
      const m = /^gen-(\d{4})$/.exec(name);
      if (m && Number(m[1]) < generation) rmSync(path.join(stateRoot, name), { recursive: true, force: true });
    }
  }
  const genDir = path.join(stateRoot, `gen-${pad4(generation)}`);
  const planFile = path.join(genDir, 'plan.json');
  const planText = JSON.stringify(plan);
  if (existsSync(planFile) && readFileSync(planFile, 'utf8') !== planText) {
    log.warn('shard_plan_changed', { generation, action: 'restarting this unpublished generation' });
    rmSync(genDir, { recursive: true, force: true });
  }
  makeDirsSync(genDir);
  if (!existsSync(planFile)) await writeFileAtomic(planFile, planText);

  const bucketDir = path.join(genDir, 'buckets');
  const scatterFile = path.join(genDir, 'scatter.json');
  let scattered: ScatterResult;
  if (existsSync(scatterFile)) {
    scattered = JSON.parse(readFileSync(scatterFile, 'utf8')) as ScatterResult;
  } else {
    // A scatter cut short leaves partial buckets: it restarts from scratch (one sequential pass).
    rmSync(bucketDir, { recursive: true, force: true });
    log.info('shard_scatter_start', { generation, files: scatterInputs.length, buckets });
    scattered = await scatter(scatterInputs, {
      dir: bucketDir,
      buckets,
      tokenBytes: plan.bucketTokenBytes,
      seed: config.seed,
      valFraction: config.valFraction,
      tokensColumn: config.tokensColumn,
      tokenLimit: knownVocab ?? 2 ** 32,
      log,
      signal: options.signal,
    });
    await writeFileAtomic(scatterFile, JSON.stringify(scattered));
  }

  const vocabSize = knownVocab ?? Math.max(scattered.maxToken, eosId) + 1;
  const dtype = vocabSize <= 65536 ? 'uint16' : 'uint32';
  if (prev) checkCompatible(prev, { seqLen: config.seqLen, dtype, eosId, format: config.format, tokenizer }, out);

  const newShards: Record<SplitName, ShardEntry[]> = { train: [], val: [] };
  const padTokens: Record<SplitName, number> = { train: 0, val: 0 };
  for (const split of SPLITS) {
    const sizes = bucketSizes(bucketDir, split, buckets);
    const groups = groupBuckets(sizes, config.bucketBytes).map((g) => g.map((b) => bucketFile(bucketDir, split, b)));
    const prevShards = prev?.splits[split].shards ?? [];
    if (config.format === 'arrow') {
      const res = await packArrowSplit({
        out,
        split,
        groups,
        tokenBytes: plan.bucketTokenBytes,
        dtype,
        seqLen: config.seqLen,
        eosId,
        shardBytes: config.shardBytes,
        batchBytes: config.batchBytes,
        seed: config.seed,
        generation,
        firstShard: nextShardNumber(prevShards),
        journalFile: path.join(genDir, `pack-${split}.json`),
        signal: options.signal,
        onShard: (e) => log.info('shard_written', { file: e.file, sequences: e.sequences, bytes: e.bytes }),
      });
      newShards[split] = res.shards;
      padTokens[split] = res.padTokens;
    } else {
      if (scattered.copies[split] === 0) continue;
      const res = await exportTokenStream({
        out,
        split,
        groups,
        tokenBytes: plan.bucketTokenBytes,
        dtype,
        eosId,
        seed: config.seed,
        generation,
        format: config.format,
        baseName: generation === 0 ? split : `${split}-g${pad4(generation)}`,
      });
      newShards[split] = res.shards;
    }
  }

  const index = buildIndex(prev, {
    config,
    generation,
    dtype,
    vocabSize,
    eosId,
    tokenizer,
    newShards,
    padTokens,
    scattered,
    files: plan.files,
    settings,
    configHash,
  });
  await writeFileAtomic(path.join(stateRoot, `index-g${pad4(generation)}.json`), JSON.stringify(index));
  await writeShardIndexFile(out, index);
  rmSync(genDir, { recursive: true, force: true });

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
  summary.seconds = (Date.now() - started) / 1000;
  log.info('shard_done', { ...summary });
  return summary;
}
