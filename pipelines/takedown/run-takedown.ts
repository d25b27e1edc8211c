// `kiln takedown`: removes documents (by URL, domain or id) from every dataset of a pipeline and
// from the shards made of them, as a new generation. Steps, each safe to run again:
//  1. find the removed documents (read only) and save them in a journal, so a rerun after a kill
//     removes the same ids even where the rows that named them are already gone; the journal also
//     holds what each later step will remove (rows per dataset part, documents per dedupe index),
//     counted now, so the log and the shards index say the same after any kill;
//  2. add them to the deny list (the pipeline's, and the one beside each live crawl output);
//  3. remove their rows from every dataset (core/dataset-row-removal.ts);
//  4. rebuild only the shards whose lineage names them, publish the new index, delete the old files;
//  5. delete the temporaries killed runs left, append one line to the takedown log, then drop the journal.
import { requireLocalPath } from '../../core/storage/s3-location.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../../core/atomic-file.js';
import { hashConfig } from '../../core/config-hash.js';
import { withDatasetLock } from '../../core/dataset-lock.js';
import { removeDeadWriterTemps } from '../../core/dead-writer-temps.js';
import { readManifest } from '../../core/dataset-manifest.js';
import { removeDatasetRows } from '../../core/dataset-row-removal.js';
import { type DenyEntry, DENY_LIST_FILE, addToDenyList, hostInDomains } from '../../core/deny-list.js';
import type { Row } from '../../core/document.js';
import { UsageError } from '../../core/errors.js';
import { layout, parsePartName } from '../../core/dataset-layout.js';
import { makeDirs } from '../../core/make-dirs.js';
import type { ShardEntry, ShardIndex } from '../../core/shard-index.js';
import { readParquetRows } from '../../core/parquet-read.js';
import { canonicalUrl } from '../../crawl/live/canonical-url.js';
import { countInIndex, exactKey, forgetInIndex } from '../../dedupe/index-forget.js';
import { readShardIndexFile, writeShardIndexFile } from '../../shard/shard-index-file.js';
import { type RebuildPlan, planRebuilds, rebuildShard } from '../../shard/takedown-rebuild.js';
import { lineageFileName } from '../../shard/shard-lineage.js';
import { loadPipeline } from '../load-pipeline.js';
import { acquireLock } from '../lock.js';
import { takedownStateDir } from '../pipeline-plan.js';
import { lockPath } from '../runner.js';
import { builtinRegistry } from '../stage-registry.js';

/** What to take down and where. */
export interface TakedownOptions {
  urls?: string[];
  domains?: string[];
  ids?: string[];
  pipeline?: string;
  datasets?: string[];
  reason?: string;
  /** Folder of the deny list, takedown log and journals (default with --pipeline: <workdir>/state/takedown). */
  state?: string;
  /** Another deny list to add the entries to (e.g. one a crawl names with --deny-list). */
  denyList?: string;
}

/** One dataset's or shards directory's share of a takedown. */
export interface TakedownResult {
  id: string;
  reason: string | null;
  removed: Array<{ id: string; url: string | null }>;
  datasets: Array<{ dir: string; removed: number; parts: string[] }>;
  shards: Array<{ dir: string; rebuilt: Record<string, string>; kept: number }>;
  /** Dedupe indexes and how many documents each forgot. */
  indexes: Array<{ dir: string; forgotten: number }>;
  denyList: string;
  log: string;
}

interface Journal {
  id: string;
  removed: Array<{ id: string; url: string | null }>;
  /** Exact-dedupe hashes of the removed texts: how the dedupe index finds them. */
  exact: Array<[number, number]>;
  datasetsDone: string[];
  shardPlans: Record<string, RebuildPlan[]>;
  shardsDone: Record<string, Record<string, ShardEntry>>;
  published: string[];
  /** Per dataset, the rows and parts its rewrite removes (counted in step 1). */
  results: TakedownResult['datasets'];
  /** Per dedupe index, the documents it forgets (counted in step 1). */
  indexes: TakedownResult['indexes'];
  indexesDone: string[];
}

/** Per dataset, how many rows `removeDatasetRows` will remove and from which parts (read only). */
async function countRows(datasets: readonly string[], removed: ReadonlySet<string>): Promise<Journal['results']> {
  const results: Journal['results'] = [];
  for (const dir of datasets) {
    const manifest = (await readManifest(dir))!;
    const r = { dir, removed: 0, parts: [] as string[] };
    if (manifest.columns.some((c) => c.name === 'id')) {
      for (const name of (await fs.readdir(dir)).filter((n) => parsePartName(n)).sort()) {
        let n = 0;
        for await (const row of readParquetRows(path.join(dir, name), { columns: ['id'] })) if (removed.has(String(row.id))) n++;
        if (n === 0) continue;
        r.removed += n;
        r.parts.push(name);
      }
    }
    results.push(r);
  }
  return results;
}

/** The persistent dedupe indexes the pipeline's dedupe outputs name. */
async function dedupeIndexes(datasets: readonly string[]): Promise<string[]> {
  const dirs = new Set<string>();
  for (const dir of datasets) {
    const m = await readManifest(dir);
    const idx = m?.stage === 'dedupe' ? (m.config as { index?: string | null }).index : undefined;
    if (idx) dirs.add(idx);
  }
  return [...dirs].sort();
}

/** Reads a rules file: one value a line; blank lines and `#` comments skipped. */
export async function readRuleFile(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`, { path: file });
  });
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** Kiln datasets and shards directories at or below `root` (a dataset's `excluded/` included). */
async function findTargets(root: string, out: { datasets: string[]; shards: string[] }, depth = 0): Promise<void> {
  if (depth > 6 || !(await isDir(root))) return;
  if (await readManifest(root)) out.datasets.push(root);
  else if ((await readJsonIfExists<{ format?: string }>(path.join(root, 'index.json')).catch(() => undefined))?.format === 'kiln-shards') out.shards.push(root);
  for (const name of (await fs.readdir(root)).sort()) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    await findTargets(path.join(root, name), out, depth + 1);
  }
}

/** Runs (or resumes) a takedown; see the file comment for the steps. */
export async function runTakedown(o: TakedownOptions): Promise<TakedownResult> {
  const urls = new Set((o.urls ?? []).map((u) => {
    const c = canonicalUrl(u);
    if (!c) throw new UsageError(`not a URL: ${u}`, { key: 'urls' });
    return c;
  }));
  const domains = new Set((o.domains ?? []).map((d) => d.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '')));
  const ids = new Set(o.ids ?? []);
  if (urls.size + domains.size + ids.size === 0) throw new UsageError('nothing to take down: give --urls, --domains or --ids with at least one entry', { key: 'urls' });
  if (!o.pipeline === !o.datasets?.length) throw new UsageError('give either --pipeline FILE or --datasets DIR...', { key: 'pipeline' });

  let release: (() => Promise<void>) | undefined;
  const targets = { datasets: [] as string[], shards: [] as string[] };
  let state: string;
  if (o.pipeline) {
    const pipeline = await loadPipeline(o.pipeline, builtinRegistry);
    // The pipeline's own lock: no run of it writes while its data is taken down.
    const lock = await acquireLock(lockPath(pipeline));
    release = () => lock.release();
    await findTargets(requireLocalPath(pipeline.workdir), targets);
    state = o.state ? path.resolve(o.state) : takedownStateDir(pipeline.workdir);
  } else {
    if (!o.state) throw new UsageError('--datasets needs --state DIR (where the deny list and the takedown log live)', { key: 'state' });
    state = path.resolve(o.state);
    for (const d of o.datasets!) {
      if (!(await isDir(d))) throw new UsageError(`not a directory: ${d}`, { path: d });
      await findTargets(path.resolve(d), targets);
    }
  }
  try {
    // The state folder's own lock, held for the whole takedown: two takedowns sharing a deny list and
    // journal folder (two --datasets runs, or one beside a --pipeline run) would interleave their
    // journals and shard rebuilds; the second is refused (KILN_OUTPUT_LOCKED) instead.
    await makeDirs(state);
    return await withDatasetLock(state, {}, () => takedownLocked({ urls, domains, ids }, o, targets, state));
  } finally {
    await release?.();
  }
}

async function takedownLocked(rules: { urls: Set<string>; domains: Set<string>; ids: Set<string> }, o: TakedownOptions, targets: { datasets: string[]; shards: string[] }, state: string): Promise<TakedownResult> {
  const id = `td-${hashConfig({ urls: [...rules.urls].sort(), domains: [...rules.domains].sort(), ids: [...rules.ids].sort(), reason: o.reason ?? null })}`;
  await makeDirs(path.join(state, 'runs'));
  const journalFile = path.join(state, 'runs', `${id}.json`);
  const save = (j: Journal): Promise<void> => writeFileAtomic(journalFile, JSON.stringify(j));
  let journal = await readJsonIfExists<Journal>(journalFile);

  // 1. Which documents go: read only, then saved before anything changes.
  if (!journal) {
    const removed = new Map<string, string | null>();
    const exact = new Map<string, [number, number]>();
    const matches = (row: Row): boolean => {
      if (rules.ids.has(String(row.id))) return true;
      if (typeof row.url !== 'string') return false;
      const c = canonicalUrl(row.url);
      if (c && rules.urls.has(c)) return true;
      if (rules.domains.size > 0 && c) return hostInDomains(new URL(c).hostname.toLowerCase(), rules.domains);
      return false;
    };
    for (const dir of targets.datasets) {
      const manifest = (await readManifest(dir))!;
      const cols = manifest.columns.map((c) => c.name).filter((c) => c === 'id' || c === 'url' || c === 'text');
      if (!cols.includes('id')) continue;
      for (const name of (await fs.readdir(dir)).filter((n) => n.endsWith('.parquet')).sort()) {
        for await (const row of readParquetRows(path.join(dir, name), { columns: cols })) {
          if (matches(row)) {
            const url = typeof row.url === 'string' ? row.url : null;
            if (!removed.has(String(row.id)) || removed.get(String(row.id)) === null) removed.set(String(row.id), url);
            if (typeof row.text === 'string') {
              const k = exactKey(row.text);
              exact.set(k.join(':'), k);
            }
          }
        }
      }
    }
    // What each step will remove, counted before anything changes: a step cut short by a kill and
    // run again finds less to do, and its own count would then differ from an uninterrupted run's.
    const removedSet = new Set(removed.keys());
    journal = { id, removed: [...removed].map(([i, url]) => ({ id: i, url })), exact: [...exact.values()], datasetsDone: [], shardPlans: {}, shardsDone: {}, published: [], results: await countRows(targets.datasets, removedSet), indexes: [], indexesDone: [] };
    for (const dir of await dedupeIndexes(targets.datasets)) journal.indexes.push({ dir, forgotten: await countInIndex(dir, journal.exact) });
    await save(journal);
  }
  const removedIds = new Set(journal.removed.map((r) => r.id));

  // 2. Deny list: the pipeline's (or --state's), the user's, and the one beside each live crawl.
  const at = new Date().toISOString();
  const entries: DenyEntry[] = [
    ...[...rules.domains].map((value) => ({ kind: 'domain' as const, value, takedown: id, at })),
    ...[...new Set([...rules.urls, ...journal.removed.map((r) => (r.url ? canonicalUrl(r.url) : null)).filter((u): u is string => !!u)])].map((value) => ({ kind: 'url' as const, value, takedown: id, at })),
    ...[...removedIds].map((value) => ({ kind: 'id' as const, value, takedown: id, at })),
  ];
  const denyList = path.join(state, DENY_LIST_FILE);
  await addToDenyList(denyList, entries);
  if (o.denyList) await addToDenyList(path.resolve(o.denyList), entries);
  for (const dir of targets.datasets) {
    const m = await readManifest(dir);
    if (m?.stage === 'crawl' && m.module.includes('/crawl/live/')) await addToDenyList(path.join(layout.meta(dir), DENY_LIST_FILE), entries);
  }

  // 3. Rows out of every dataset.
  for (const dir of targets.datasets) {
    if (journal.datasetsDone.includes(dir)) continue;
    await withDatasetLock(dir, {}, () => removeDatasetRows(dir, (row) => removedIds.has(String(row.id))));
    journal.datasetsDone.push(dir);
    await save(journal);
  }

  // 3b. The dedupe indexes the pipeline's dedupe outputs name forget the removed texts.
  // The counts are the journal's (taken before any change); a forget is idempotent.
  for (const { dir } of journal.indexes) {
    if (journal.indexesDone.includes(dir)) continue;
    await forgetInIndex(dir, journal.exact);
    journal.indexesDone.push(dir);
    await save(journal);
  }
  const indexes = journal.indexes;

  // 4. Shards: rebuild the ones holding removed tokens under new names, publish, delete the old.
  const shardResults: TakedownResult['shards'] = [];
  for (const dir of targets.shards) {
    await withDatasetLock(dir, {}, async () => {
      const index = readShardIndexFile(dir)!;
      if (!journal!.published.includes(dir)) {
        journal!.shardPlans[dir] ??= removedIds.size === 0 ? [] : planRebuilds(dir, index, removedIds);
        await save(journal!);
        const done = (journal!.shardsDone[dir] ??= {});
        const byFile = new Map([...index.splits.train.shards, ...index.splits.val.shards].map((e) => [e.file, e]));
        for (const plan of journal!.shardPlans[dir]) {
          if (done[plan.old]) continue;
          done[plan.old] = rebuildShard(dir, index, byFile.get(plan.old)!, plan, removedIds);
          await save(journal!);
        }
        // A kill after the publish but before the journal said so: the index already has this takedown.
        const published = index.generations.some((g) => g.takedown?.id === journal!.id);
        if (journal!.shardPlans[dir].length > 0 && !published) await writeShardIndexFile(dir, await takedownIndex(index, journal!, dir, o.reason));
        journal!.published.push(dir);
        await save(journal!);
      }
      const plans = journal!.shardPlans[dir] ?? [];
      for (const p of plans) for (const f of [p.old, lineageFileName(p.old)]) await fs.rm(path.join(dir, f), { force: true });
      const now = readShardIndexFile(dir)!;
      shardResults.push({ dir, rebuilt: Object.fromEntries(plans.map((p) => [p.old, p.new])), kept: now.splits.train.shards.length + now.splits.val.shards.length - plans.length });
    });
  }

  // 4b. What killed earlier runs of this takedown left half-written: their temporaries.
  for (const dir of [state, path.join(state, 'runs'), ...targets.shards]) await removeDeadWriterTemps(dir);
  for (const dir of targets.datasets) await withDatasetLock(dir, {}, () => removeDeadWriterTemps(dir, (name) => name === '_kiln'));

  // 5. The log line (once, even when a kill came between it and the journal's removal).
  const logFile = path.join(state, 'takedown-log.jsonl');
  const result: TakedownResult = { id, reason: o.reason ?? null, removed: journal.removed, datasets: journal.results, shards: shardResults, indexes, denyList, log: logFile };
  const logged = (await fs.readFile(logFile, 'utf8').catch(() => '')).split('\n').some((l) => l.includes(`"takedown":"${id}"`) && l.includes(`"journal":"${path.basename(journalFile)}"`));
  if (!logged) {
    const line = { takedown: id, journal: path.basename(journalFile), at, reason: o.reason ?? null, rules: { urls: [...rules.urls], domains: [...rules.domains], ids: [...rules.ids] }, removed: journal.removed, datasets: journal.results.filter((d) => d.removed > 0), shards: shardResults.filter((s) => Object.keys(s.rebuilt).length > 0), indexes };
    await fs.appendFile(logFile, JSON.stringify(line) + '\n');
    const h = await fs.open(logFile, 'r+');
    await h.sync();
    await h.close();
  }
  await fs.rm(journalFile, { force: true });
  return result;
}

/** The index after a takedown: rebuilt entries in place of the old, and a takedown generation. */
async function takedownIndex(index: ShardIndex, journal: Journal, dir: string, reason: string | undefined): Promise<ShardIndex> {
  const done = journal.shardsDone[dir];
  const split = (s: ShardIndex['splits']['train']): ShardIndex['splits']['train'] => {
    const shards = s.shards.map((e) => done[e.file] ?? e);
    return { ...s, shards, sequences: shards.reduce((a, e) => a + e.sequences, 0), tokens: shards.reduce((a, e) => a + e.tokens, 0) };
  };
  // The rewritten token parts a later `kiln shard` would otherwise take for new inputs.
  const inputs: ShardIndex['generations'][number]['inputs'] = [];
  const rewritten = new Set(journal.results.flatMap((d) => d.parts.map((p) => path.join(d.dir, p))));
  for (const g of index.generations) {
    for (const i of g.inputs) {
      if (!rewritten.has(i.path)) continue;
      const st = await fs.stat(i.path).catch(() => undefined);
      if (st) inputs.push({ path: i.path, bytes: st.size, weight: i.weight });
    }
  }
  const plans = journal.shardPlans[dir];
  return {
    ...index,
    splits: { train: split(index.splits.train), val: split(index.splits.val) },
    generations: [
      ...index.generations,
      {
        generation: index.generations.length,
        created_at: new Date().toISOString(),
        inputs,
        documents: 0,
        files: { train: plans.filter((p) => p.split === 'train').map((p) => p.new), val: plans.filter((p) => p.split === 'val').map((p) => p.new) },
        takedown: { id: journal.id, removed: journal.removed.length, replaced: Object.fromEntries(plans.map((p) => [p.old, p.new])), reason },
      },
    ],
  };
}
