// The process-wide encode pool. Kept apart from stage.ts, which pulls in zod, Arrow and
// parquet-wasm (~0.3 s to load): the CLI starts the pool first, so the workers load the
// tokenizer while the main thread is still loading the rest of the stage.
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { isBuiltin } from './builtin-names.js';
import { EncodePool } from './encode-pool.js';

let encodeWorkers = os.availableParallelism();
let shared: { key: string; pool: EncodePool } | undefined;

/** Sets how many encode workers later tokenize runs in this process use (default: one per core). */
export function setEncodeWorkers(n: number): void {
  encodeWorkers = Math.max(1, Math.floor(n));
}

/** The process-wide pool for `tokenizer` (a resolved spec), so consecutive tasks reuse loaded workers. */
export function poolFor(tokenizer: string): EncodePool {
  const key = `${tokenizer}\u0000${encodeWorkers}`;
  if (shared?.key !== key || !shared.pool.healthy) {
    void shared?.pool.close();
    shared = { key, pool: new EncodePool(tokenizer, encodeWorkers) };
  }
  return shared.pool;
}

/** Stops the shared encode workers (idle workers never keep the process alive; tests call this). */
export async function closeEncodePool(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.pool.close();
}

/** Resolves a tokenizer config value: file paths become absolute so workers and resumes agree. */
export function resolveTokenizerSpec(spec: string): string {
  return !isBuiltin(spec) && existsSync(spec) ? path.resolve(spec) : spec;
}
