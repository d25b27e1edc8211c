import { promises as fs } from 'node:fs';
import { canonicalJson } from '../core/config-hash.js';
import { layout } from '../core/dataset-layout.js';
import { readManifest, readSuccess, type DoneMarker, type SuccessRecord } from '../core/dataset-manifest.js';
import { readJsonIfExists } from '../core/atomic-file.js';

/** Where a stage's output stands relative to the config the pipeline asks for now. */
export type StageCondition = 'done' | 'partial' | 'pending' | 'changed';

/** What is on disk for one stage output, read without running anything. */
export interface StageState {
  condition: StageCondition;
  taskCount?: number;
  doneTasks: number;
  failedTasks: number[];
  rows: number;
  bytes: number;
  success?: SuccessRecord;
  /** What the stage reported beyond counts (train: its report path and losses). */
  extra?: Record<string, unknown>;
}

async function listNumbered(dir: string): Promise<number[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * True when every key of the pipeline's config has the same value in the recorded one. A stage
 * may record more than the pipeline gives (dedupe adds the input schema), never less.
 */
export function configMatches(recorded: unknown, wanted: unknown): boolean {
  if (!recorded || typeof recorded !== 'object' || !wanted || typeof wanted !== 'object') return canonicalJson(recorded) === canonicalJson(wanted);
  const r = recorded as Record<string, unknown>;
  return Object.entries(wanted as Record<string, unknown>).every(([k, v]) => v === undefined || canonicalJson(r[k]) === canonicalJson(v));
}

/** Reads a stage output's manifest, markers and totals and compares its config with `config`. */
export async function readStageState(out: string, config: unknown): Promise<StageState> {
  const manifest = await readManifest(out);
  if (!manifest) return { condition: 'pending', doneTasks: 0, failedTasks: [], rows: 0, bytes: 0 };
  const done = await listNumbered(layout.done(out));
  const failed = (await listNumbered(layout.failed(out))).filter((t) => !done.includes(t));
  const success = await readSuccess(out);
  let rows = 0;
  let bytes = 0;
  if (success) {
    rows = success.rows;
    bytes = success.bytes;
  } else {
    for (const t of done) {
      const marker = await readJsonIfExists<DoneMarker>(layout.doneMarker(out, t));
      rows += marker?.rows ?? 0;
      bytes += marker?.bytes ?? 0;
    }
  }
  const sameConfig = configMatches(manifest.config, config);
  const condition: StageCondition = !sameConfig ? 'changed' : success ? 'done' : 'partial';
  return { condition, taskCount: manifest.taskCount, doneTasks: done.length, failedTasks: failed, rows, bytes, success };
}
