import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { isStage, type StageDefinition } from '../core/stage.js';
import { loadBuiltinStages } from './builtin-stages.js';
import { isPhasedStage, type PhasedStage } from './phased-stage.js';

/** Any stage a pipeline can run: a core stage (defineStage, one phase) or one declared as phases, whatever its config type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage = StageDefinition<any> | PhasedStage<any>;

/** Stages a pipeline file can name, by stage name. */
export type StageRegistry = ReadonlyMap<string, AnyStage>;

/** True for values a pipeline can run. */
export function isPipelineStage(value: unknown): value is AnyStage {
  return isStage(value) || isPhasedStage(value);
}

/** A registry holding exactly `stages` (later entries win on equal names). */
export function createRegistry(stages: Iterable<AnyStage>): Map<string, AnyStage> {
  return new Map([...stages].map((s) => [s.name, s]));
}

let builtins: Promise<Map<string, AnyStage>> | undefined;

/** The built-in stages that load in this checkout (imported once per process). */
export function builtinRegistry(): Promise<Map<string, AnyStage>> {
  builtins ??= loadBuiltinStages().then(createRegistry);
  return builtins;
}

/**
 * Loads a custom stage from `modulePath` (relative to the pipeline file's folder): the export
 * named `exportName`, else the default export, else the module's only stage export.
 */
export async function loadStageModule(modulePath: string, baseDir: string, exportName: string | undefined, key: string): Promise<AnyStage> {
  const file = path.resolve(baseDir, modulePath);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`stage module ${file} cannot be loaded: ${(err as Error).message.split('\n')[0]}`, { path: file, key: `stages.${key}.module` });
  }
  if (exportName !== undefined) {
    const value = mod[exportName];
    if (!isPipelineStage(value)) throw new ConfigError(`stage module ${file} has no stage export named ${exportName} (made with defineStage)`, { path: file, key: `stages.${key}.export` });
    return value;
  }
  if (isPipelineStage(mod.default)) return mod.default;
  const found = Object.values(mod).filter(isPipelineStage);
  if (found.length !== 1) {
    throw new ConfigError(`stage module ${file} exports ${found.length} stages; name one with export:`, { path: file, key: `stages.${key}.export` });
  }
  return found[0];
}
