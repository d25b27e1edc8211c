import { isStage, type StageDefinition } from './stage.js';
import { ConfigError } from './errors.js';

/** Imports `module` and returns its exported stage named `name`. */
export async function loadStage(module: string, name: string): Promise<StageDefinition<unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(module)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`cannot import stage module ${module}: ${(err as Error).message}`, { path: module });
  }
  const found = Object.values(mod).find((v) => isStage(v) && v.name === name);
  if (!found) throw new ConfigError(`module ${module} exports no stage named ${name}`, { path: module, key: name });
  return found as StageDefinition<unknown>;
}
