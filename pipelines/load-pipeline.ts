import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { PipelineFile, RUNNER_KEYS, type SlurmSettings, type StageSlurmSettings } from './pipeline-file.js';
import { loadStageModule, type AnyStage, type StageRegistry } from './stage-registry.js';
import { parseYamlSource, type YamlPath, type YamlSource } from './yaml-source.js';

/** One stage of a loaded pipeline: the stage, its validated config and the runner's settings. */
export interface PipelineStage {
  /** The entry's key in `stages:` (also the name of its output folder). */
  key: string;
  stage: AnyStage;
  /** Config after the stage's schema (defaults filled in). */
  config: unknown;
  /** Config as written (relative paths resolved): what is re-validated on a Slurm node. */
  rawConfig: Record<string, unknown>;
  tasks?: number;
  /** Explicit inputs (absolute); undefined = the previous stage's output. */
  inputs?: string[];
  /** This stage's own Slurm resources (`slurm:` in its entry), over the pipeline's. */
  slurm?: StageSlurmSettings;
}

/** A validated pipeline file. */
export interface Pipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  name: string;
  /** Absolute working directory holding every stage's output. */
  workdir: string;
  incremental: boolean;
  schedule?: string;
  executor: 'local' | 'slurm';
  workers?: number;
  slurm: SlurmSettings;
  stages: PipelineStage[];
}

/** Stages a file may name: a registry, or a function loading one only when a built-in stage is named. */
export type RegistrySource = StageRegistry | (() => Promise<StageRegistry>);

/** Reads, parses and validates a pipeline file; every error names the file, line and key. */
export async function loadPipeline(file: string, registry: RegistrySource): Promise<Pipeline> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read pipeline file ${abs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: abs });
  }
  return parsePipeline(text, abs, registry);
}

/** Validates pipeline YAML text as if read from `file` (relative paths resolve against its folder). */
export async function parsePipeline(text: string, file: string, registrySource: RegistrySource): Promise<Pipeline> {
  const source = parseYamlSource(text, file);
  let registry: StageRegistry | undefined = typeof registrySource === 'function' ? undefined : registrySource;
  const base = path.dirname(file);
  const top = PipelineFile.safeParse(source.value);
  if (!top.success) throw issueError(top.error, [], source, file);
  const doc = top.data;

  const stages: PipelineStage[] = [];
  for (const [key, entryOrNull] of Object.entries(doc.stages)) {
    const entry = entryOrNull ?? {};
    const stageName = entry.stage ?? key;
    let stage: AnyStage | undefined;
    if (entry.module !== undefined) {
      stage = await loadStageModule(resolveRelative(entry.module, base) as string, base, entry.export, key);
    } else {
      registry ??= await (registrySource as () => Promise<StageRegistry>)();
      stage = registry.get(stageName);
      if (!stage) {
        const known = [...registry.keys()].join(', ') || 'none';
        const line = source.lineOf(['stages', key, ...(entry.stage ? ['stage'] : [])]);
        throw new ConfigError(`${file}:${line}: stages.${key}: no stage named "${stageName}" (registered: ${known}; a custom stage needs module:)`, {
          path: file,
          key: `stages.${key}`,
        });
      }
    }
    const rawConfig: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!(RUNNER_KEYS as readonly string[]).includes(k)) rawConfig[k] = resolveRelative(v, base);
    const parsed = strictSchema(stage.config).safeParse(rawConfig);
    if (!parsed.success) throw issueError(parsed.error, ['stages', key], source, file);
    stages.push({
      key,
      stage,
      config: parsed.data,
      rawConfig,
      tasks: entry.tasks,
      inputs: entry.inputs?.map((p) => (isS3Url(p) ? p : path.resolve(base, p))),
      slurm: entry.slurm,
    });
  }

  return {
    file,
    name: doc.name,
    workdir: isS3Url(doc.workdir) ? doc.workdir : path.resolve(base, doc.workdir),
    incremental: doc.incremental,
    schedule: doc.schedule,
    executor: doc.executor,
    workers: doc.workers,
    slurm: doc.slurm ?? PipelineFileSlurmDefaults(),
    stages,
  };
}

function PipelineFileSlurmDefaults(): SlurmSettings {
  return PipelineFile.shape.slurm.unwrap().parse({});
}

/**
 * A stage's object schema made strict, so a misspelt key is an error rather than silently
 * ignored (the most common pipeline-file mistake). Non-object schemas are used as they are.
 */
function strictSchema(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? schema.strict() : schema;
}

/**
 * Strings written as `./x` or `../x` are paths relative to the pipeline file, wherever they
 * appear in a stage's config: the runner cannot know which keys are paths, the user can.
 */
function resolveRelative(value: unknown, base: string): unknown {
  if (typeof value === 'string') return value.startsWith('./') || value.startsWith('../') ? path.resolve(base, value) : value;
  if (Array.isArray(value)) return value.map((v) => resolveRelative(v, base));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRelative(v, base)]));
  return value;
}

/** The first zod issue as a ConfigError naming `file:line`, the dotted key and what was wrong. */
function issueError(error: z.ZodError, prefix: YamlPath, source: YamlSource, file: string): ConfigError {
  const issue = error.issues[0];
  let at: (string | number)[] = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    at = [...at, issue.keys[0]];
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const key = at.join('.') || '(top level)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return new ConfigError(`${file}:${source.lineOf(at)}: ${key}: ${message}${more}`, { path: file, key });
}
