// runDecontaminate: fixes what the stage's identity depends on before running it: the eval
// files' absolute paths and fingerprints (a changed eval set is a changed config, refused on an
// existing output without --overwrite) and the output schema (inferred once, reused on resume).
// It reads the eval sets once up front, so a bad file or a set over the n-gram limit fails
// before any task starts, naming the file and line.
import { readManifest } from '../core/dataset-manifest.js';
import { UsageError } from '../core/errors.js';
import { canonicalPath, listInputFiles } from '../core/input-files.js';
import { createLogger } from '../core/log.js';
import type { StageDefinition } from '../core/stage.js';
import { parseStageConfig, runStage, type RunStageOptions, type StageSummary } from '../core/run-stage.js';
import { decontaminateConfigSchema, type DecontaminateConfig, type DecontaminateConfigInput, type DecontaminateStageConfig } from './decontaminate-config.js';
import { decontaminateStage } from './decontaminate-stage.js';
import { buildEvalIndex, evalFingerprint, evalLabels } from './eval-sets.js';
import { inferColumns } from './input-schema.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { stageInPath, withObjectStorage } from '../core/storage/staged-stage.js';

export interface DecontaminateOptions extends Omit<RunStageOptions, 'config'> {
  config: DecontaminateConfigInput;
}

/** What a decontaminate run did: the stage summary plus the eval sets' sizes. */
export interface DecontaminateSummary extends StageSummary {
  eval: Record<string, number>;
}

/** Runs (or resumes) decontamination of `inputs` against the eval sets into `out`. */
export async function runDecontaminate(opts: DecontaminateOptions): Promise<DecontaminateSummary> {
  const evalSets = opts.config.eval ?? [];
  if (isS3Url(opts.out) || (opts.inputs ?? []).some(isS3Url) || evalSets.some(isS3Url)) {
    // Object storage: eval sets copied down first (they are read whole into the n-gram table
    // anyway), then inputs and output staged and published by withObjectStorage.
    const evalLocal: string[] = [];
    for (const e of evalSets) evalLocal.push(await stageInPath(e));
    const summary = await withObjectStorage(opts.inputs ?? [], opts.out, (inputs, out) => runDecontaminateHere({ ...opts, inputs, out, config: { ...opts.config, eval: evalLocal } }));
    return { ...summary, out: opts.out };
  }
  return runDecontaminateHere(opts);
}

/** runDecontaminate on local (or already staged) paths. */
async function runDecontaminateHere(opts: DecontaminateOptions): Promise<DecontaminateSummary> {
  const { out, config, counts } = await decontaminateRunConfig(opts);
  const summary = await runStage(decontaminateStage, { ...opts, out, config, log: opts.log ?? createLogger() });
  return { ...summary, eval: counts };
}

/** The stage config a run over `opts.out` uses (eval paths, fingerprints, output schema), checked against the eval sets. */
export async function decontaminateRunConfig(opts: Pick<DecontaminateOptions, 'config' | 'out' | 'inputs' | 'overwrite' | 'log'>): Promise<{ out: string; config: DecontaminateStageConfig; counts: Record<string, number> }> {
  const log = opts.log ?? createLogger();
  // The user's settings are validated (naming a bad key) before the run adds what it fixes.
  const settings = parseStageConfig<DecontaminateConfig>({ name: decontaminateStage.name, config: decontaminateConfigSchema } as unknown as StageDefinition<DecontaminateConfig>, opts.config);
  const paths = await Promise.all(settings.eval.map((p) => canonicalPath(p)));
  const labels = evalLabels(paths);
  const evalFiles = await Promise.all(paths.map(async (p, i) => ({ path: p, label: labels[i], fingerprint: await evalFingerprint(p) })));
  const index = await buildEvalIndex(evalFiles, settings);
  if (index.counts.items === 0) {
    throw new UsageError(`the eval files hold no item to check (${JSON.stringify(index.counts)}): every item is empty or shorter than --min-item-words / --ngram`, { path: paths[0], key: '--eval' });
  }
  log.info('eval_sets', { files: labels, ...index.counts, table_mib: Math.round(index.ngrams.bytes / 2 ** 20) });
  const out = await canonicalPath(opts.out);
  const existing = await readManifest(out);
  // The schema is part of the config; a resume reuses the recorded one rather than re-sampling.
  const columns = existing?.stage === decontaminateStage.name && !opts.overwrite ? (existing.config as DecontaminateStageConfig).columns : await inferColumns(await listInputFiles(opts.inputs ?? []));
  if (!columns.some((c) => c.name === settings.field)) {
    throw new UsageError(`the input documents have no field "${settings.field}" (fields: ${columns.map((c) => c.name).join(', ')}); choose one with --field`, { key: '--field' });
  }
  const config: DecontaminateStageConfig = { ...settings, eval: paths, evalFiles, columns };
  return { out, config, counts: index.counts };
}
