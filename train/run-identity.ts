// Which earlier run a `kiln train --out DIR` rerun is: the settings that decide the trained
// weights, hashed like core's stage configs. Same hash and finished: skipped ("up to date");
// same hash, unfinished: resumed; another hash: refused unless --overwrite (or --resume, which
// continues the checkpoint with the new settings, e.g. more --steps).
import path from 'node:path';
import { hashConfig } from '../core/config-hash.js';
import type { TrainConfig } from './config.js';

/** Hash of what decides a run's weights: data, model shape, optimizer and schedule, seed, steps. */
export function runIdentity(config: TrainConfig, modelShape: Record<string, unknown>): string {
  // Local data counts by absolute path, so the same run from another directory is the same run.
  const data = /^https?:\/\//i.test(config.data) ? config.data : path.resolve(config.data);
  const { out: _out, backend: _b, evalEvery: _e, evalBatches: _eb, checkpointEvery: _c, keepCheckpoints: _k, resume: _r, overwrite: _o, sampleTokens: _s, model: _m, ...rest } = config;
  return hashConfig({ stage: 'train', ...rest, data, model: modelShape });
}
