// The dataset card: what a corpus is made of, stage by stage, in one pass over each dataset.
// Memory is flat in the input: rows are read one Parquet row group at a time, lengths go into
// fixed-bin histograms, languages, domains and reasons into bounded counters, and only the
// first few rows are kept as samples.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists } from '../../core/atomic-file.js';
import { readShardIndexIn } from '../../core/dataset-status.js';
import { readManifest, readSuccess } from '../../core/dataset-manifest.js';
import { UsageError } from '../../core/errors.js';
import { requireFinishedInputs } from '../../core/input-finished.js';
import { isKilnDataset, listInputFiles, readInputRows } from '../../core/input-files.js';
import { parquetInfo } from '../../core/parquet-read.js';
import type { ShardIndex } from '../../core/shard-index.js';
import { statePaths } from '../../dedupe/state-files.js';
import { copiesOf, splitOf } from '../../shard/split-assignment.js';
import { pipelineMetaDir } from '../pipeline-plan.js';
import { readRunRecords } from '../run-log.js';
import { BoundedCounter, type TopCounts } from './bounded-counter.js';
import { LogHistogram, type Histogram, type HistogramBin } from '../../core/log-histogram.js';

/** Version of card.json this code writes. */
export const CARD_VERSION = 1;

/** Options of buildCard; each default is the bound it sets. */
export interface CardOptions {
  /** Sample documents per stage (default 3). */
  samples?: number;
  /** Characters of a sample's text kept (default 500). */
  sampleChars?: number;
  /** Domains, languages and reasons listed per stage (default 20). */
  top?: number;
  /**
   * Keys a counter holds at once (default 1000): the memory bound of the domain, language and
   * reason counts. Counts are exact below that many distinct keys; the card says when not.
   */
  counterCapacity?: number;
}

/** One sample row, its text cut to `sampleChars`. */
export interface CardSample {
  id: string;
  url?: string | null;
  text?: string;
  /** Text length in characters before cutting, or the token count of a tokens row. */
  length: number;
  /** The first token ids of a tokens row. */
  tokens?: number[];
}

/** One component of a shard mixture, as realised: what each input put into the shards. */
export interface MixtureComponent {
  input: string;
  weight: number;
  /** Documents and tokens of the input (one copy each). */
  input_documents: number;
  input_tokens: number;
  /** Document tokens the component put into each split (weight copies, empty documents left out). */
  tokens_train: number;
  tokens_val: number;
  /** Share of all document tokens in the shards that came from this input. */
  realised_weight: number;
}

/** What the card says about a shards directory. */
export interface ShardsCard {
  seq_len: number;
  dtype: string;
  tokenizer: string | null;
  generations: number;
  splits: Record<'train' | 'val', { shards: number; sequences: number; tokens: number; documents: number; pad_tokens: number; bytes: number }>;
  /** Realised mixture weights, or null with `mixture_note` saying why they could not be computed. */
  mixture: MixtureComponent[] | null;
  mixture_note?: string;
}

/** Duplicate clusters of a dedupe run. */
export interface ClusterCard {
  /** Clusters of two or more documents, by size; null when the run did not record sizes. */
  sizes: HistogramBin[] | null;
  clusters: number | null;
  note?: string;
}

/** One stage (one dataset or shards directory) of the card. */
export interface StageCard {
  name: string;
  dir: string;
  /** documents (has `text`), tokens (has `tokens`), rows (neither) or shards. */
  kind: 'documents' | 'tokens' | 'rows' | 'shards';
  /** The kiln stage that wrote it (dataset.json), if kiln did. */
  stage: string | null;
  documents: number;
  /** Bytes of its files on disk. */
  bytes: number;
  /** UTF-8 bytes of the `text` column. */
  text_bytes?: number;
  tokens?: number;
  /** Document length in UTF-8 bytes. */
  doc_length?: Histogram;
  /** Document length in tokens. */
  token_length?: Histogram;
  languages?: TopCounts;
  domains?: TopCounts;
  /** Values of a `reason` column (excluded and clusters datasets). */
  reasons?: TopCounts;
  /** Documents the stage dropped, by reason (its `dropped_*` counters). */
  dropped: Record<string, number>;
  clusters?: ClusterCard;
  shards?: ShardsCard;
  samples: CardSample[];
}

/** card.json. */
export interface DatasetCard {
  format: 'kiln-card';
  version: number;
  created_at: string;
  inputs: string[];
  stages: StageCard[];
}

interface CardInput {
  name: string;
  dir: string;
}

/** The host of a URL as the card groups domains: lower case, no port; `(none)` / `(invalid)` otherwise. */
export function domainOf(url: unknown): string {
  if (typeof url !== 'string' || url === '') return '(none)';
  try {
    return new URL(url).hostname || '(none)';
  } catch {
    return '(invalid)';
  }
}

/** The datasets a DIR argument stands for: itself, or a pipeline workdir's stage outputs in order. */
async function resolveInput(dir: string): Promise<CardInput[]> {
  if ((await readShardIndexIn(dir)) || (await isKilnDataset(dir))) return [{ name: dir, dir }, ...(await excludedOf(dir, dir))];
  const records = await readRunRecords(pipelineMetaDir(dir));
  if (records.length === 0) {
    const why = existsSync(dir) ? 'is not' : 'does not exist; expected';
    throw new UsageError(`${dir} ${why} a kiln dataset (_kiln/dataset.json), a shards directory (index.json) or a pipeline workdir that has run (_pipeline/runs.jsonl)`, { path: dir });
  }
  const out: CardInput[] = [];
  for (const stage of records.at(-1)!.stages) {
    if ((await readShardIndexIn(stage.out)) || (await isKilnDataset(stage.out))) out.push({ name: stage.key, dir: stage.out }, ...(await excludedOf(stage.key, stage.out)));
  }
  return out;
}

/** The excluded dataset a filtering stage writes beside its output, if any. */
async function excludedOf(name: string, dir: string): Promise<CardInput[]> {
  const ex = path.join(dir, 'excluded');
  return (await isKilnDataset(ex)) ? [{ name: `${name}/excluded`, dir: ex }] : [];
}

function droppedOf(stats: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats ?? {})) if (k.startsWith('dropped_') && typeof v === 'number') out[k.slice('dropped_'.length)] = v;
  return out;
}

function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars)}…` : text;
}

/** Streams one dataset into its card. */
async function datasetCard(input: CardInput, o: Required<CardOptions>): Promise<StageCard> {
  await requireFinishedInputs([input.dir]);
  const manifest = await readManifest(input.dir);
  const success = await readSuccess(input.dir);
  const files = await listInputFiles([input.dir]);
  const columns = new Set<string>();
  for (const f of files) if (f.format === 'parquet') for (const c of (await parquetInfo(f.path)).columns) columns.add(c);
  const kind = columns.has('text') ? 'documents' : columns.has('tokens') ? 'tokens' : 'rows';
  const wanted = ['id', 'text', 'url', 'lang', 'reason', 'tokens'].filter((c) => columns.has(c));
  const docLength = columns.has('text') ? new LogHistogram('UTF-8 bytes') : undefined;
  const tokenLength = columns.has('tokens') ? new LogHistogram('tokens') : undefined;
  const languages = columns.has('lang') ? new BoundedCounter(o.counterCapacity) : undefined;
  const domains = columns.has('url') ? new BoundedCounter(o.counterCapacity) : undefined;
  const reasons = columns.has('reason') ? new BoundedCounter(o.counterCapacity) : undefined;
  const samples: CardSample[] = [];
  let documents = 0;
  let textBytes = 0;
  let tokens = 0;
  for (const f of files) {
    for await (const row of readInputRows(f, { columns: wanted })) {
      documents++;
      const text = typeof row.text === 'string' ? row.text : undefined;
      const toks = row.tokens as ArrayLike<number> | null | undefined;
      if (docLength && text !== undefined) {
        const b = Buffer.byteLength(text, 'utf8');
        docLength.add(b);
        textBytes += b;
      }
      if (tokenLength && toks) {
        tokenLength.add(toks.length);
        tokens += toks.length;
      }
      languages?.add(typeof row.lang === 'string' && row.lang !== '' ? row.lang : '(none)');
      domains?.add(domainOf(row.url));
      reasons?.add(typeof row.reason === 'string' ? row.reason : '(none)');
      if (samples.length < o.samples) {
        const s: CardSample = { id: String(row.id ?? ''), length: text?.length ?? toks?.length ?? 0 };
        if (columns.has('url')) s.url = (row.url as string | null) ?? null;
        if (text !== undefined) s.text = cut(text, o.sampleChars);
        if (toks) s.tokens = Array.from(toks).slice(0, 32);
        samples.push(s);
      }
    }
  }
  const card: StageCard = {
    name: input.name,
    dir: input.dir,
    kind,
    stage: manifest?.stage ?? null,
    documents,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    dropped: droppedOf(success?.stats),
    samples,
  };
  if (docLength) {
    card.text_bytes = textBytes;
    card.doc_length = docLength.toJSON();
  }
  if (tokenLength) {
    card.tokens = tokens;
    card.token_length = tokenLength.toJSON();
  }
  if (languages) card.languages = languages.top(o.top);
  if (domains) card.domains = domains.top(o.top);
  if (reasons) card.reasons = reasons.top(o.top);
  if (manifest?.stage === 'dedupe') card.clusters = await clusterCard(input.dir);
  return card;
}

/** Cluster sizes a dedupe run recorded (dedupe/clusters.ts counts them when it decides). */
async function clusterCard(dir: string): Promise<ClusterCard> {
  const sizes = await readJsonIfExists<HistogramBin[]>(statePaths(dir).clusterSizes);
  if (!sizes) {
    return { sizes: null, clusters: null, note: 'this dedupe run recorded no cluster sizes (it predates them, or its state was removed); run dedupe again to get them' };
  }
  return { sizes, clusters: sizes.reduce((s, b) => s + b.count, 0) };
}

/** The card of a shards directory: its index, and the mixture as realised, recomputed from its inputs. */
async function shardsCard(input: CardInput, index: ShardIndex): Promise<StageCard> {
  const split = (s: ShardIndex['splits']['train']) => ({
    shards: s.shards.length,
    sequences: s.sequences,
    tokens: s.tokens,
    documents: s.documents,
    pad_tokens: s.pad_tokens,
    bytes: s.shards.reduce((n, x) => n + x.bytes, 0),
  });
  const splits = { train: split(index.splits.train), val: split(index.splits.val) };
  const manifest = await readManifest(input.dir);
  const success = await readSuccess(input.dir);
  const { mixture, note } = await realisedMixture(index, (manifest?.inputs as string[] | undefined) ?? []);
  return {
    name: input.name,
    dir: input.dir,
    kind: 'shards',
    stage: manifest?.stage ?? 'shard',
    documents: splits.train.documents + splits.val.documents,
    bytes: splits.train.bytes + splits.val.bytes,
    tokens: splits.train.tokens + splits.val.tokens,
    dropped: droppedOf(success?.stats),
    shards: {
      seq_len: index.seq_len,
      dtype: index.dtype,
      tokenizer: index.tokenizer ? `${index.tokenizer.name} (${index.tokenizer.hash.slice(0, 12)})` : null,
      generations: index.generations.length,
      splits,
      mixture,
      ...(note ? { mixture_note: note } : {}),
    },
    samples: [],
  };
}

/**
 * Recomputes what each input put into the shards with the shard stage's own split and copy
 * rules (shard/split-assignment.ts) over the token files each generation lists; the index keeps
 * configured weights only. Streams the files; memory is one row group.
 */
async function realisedMixture(index: ShardIndex, inputs: string[]): Promise<{ mixture: MixtureComponent[] | null; note?: string }> {
  const components = new Map<number, MixtureComponent>();
  for (const gen of index.generations) {
    for (const file of gen.inputs) {
      const i = inputs.findIndex((dir) => file.path === dir || file.path.startsWith(dir + path.sep));
      if (i < 0) return { mixture: null, note: `shard input file ${file.path} is under none of the inputs in _kiln/dataset.json` };
      if (!existsSync(file.path)) return { mixture: null, note: `shard input file ${file.path} no longer exists` };
      const c = components.get(i) ?? { input: inputs[i], weight: file.weight, input_documents: 0, input_tokens: 0, tokens_train: 0, tokens_val: 0, realised_weight: 0 };
      components.set(i, c);
      for (const f of await listInputFiles([file.path])) {
        for await (const row of readInputRows(f, { columns: ['id', 'tokens'] })) {
          const n = (row.tokens as ArrayLike<number> | null)?.length ?? 0;
          c.input_documents++;
          c.input_tokens += n;
          if (n === 0) continue;
          const id = String(row.id);
          const copies = copiesOf(id, index.seed, i, file.weight);
          if (splitOf(id, index.seed, index.val_fraction) === 'val') c.tokens_val += n * copies;
          else c.tokens_train += n * copies;
        }
      }
    }
  }
  const list = [...components.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
  const total = list.reduce((s, c) => s + c.tokens_train + c.tokens_val, 0);
  for (const c of list) c.realised_weight = total ? (c.tokens_train + c.tokens_val) / total : 0;
  return { mixture: list };
}

/** Builds the card of datasets, shards directories and pipeline workdirs, in the order given. */
export async function buildCard(dirs: readonly string[], options: CardOptions = {}): Promise<DatasetCard> {
  if (dirs.length === 0) throw new UsageError('kiln card needs at least one directory');
  const o: Required<CardOptions> = { samples: 3, sampleChars: 500, top: 20, counterCapacity: 1000, ...options };
  const stages: StageCard[] = [];
  for (const dir of dirs) {
    for (const input of await resolveInput(dir)) {
      const index = await readShardIndexIn(input.dir);
      stages.push(index ? await shardsCard(input, index) : await datasetCard(input, o));
    }
  }
  return { format: 'kiln-card', version: CARD_VERSION, created_at: new Date().toISOString(), inputs: [...dirs], stages };
}

