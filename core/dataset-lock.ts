// The writer lock of a dataset (or any output directory a stage writes): one run writes an
// output at a time. It is `<out>/_kiln/lock`, taken with core's one lock file (file-lock.ts), so
// a SIGKILLed run's lock is taken over by the next run on the same host.
//
// Held per process and re-entrant: a stage made of several runs on one output (dedupe's phases,
// a pipeline stage that runs core stages) takes it once and its inner runs pass through.
// Pipelines take their own pipeline lock first, then these: every process takes locks in that one
// order, so a pipeline run and a stage run can only wait on each other, never deadlock.
import path from 'node:path';
import { acquireFileLock, LockedError, type LockOwner } from './file-lock.js';
import { layout } from './dataset-layout.js';
import type { Logger } from './log.js';

/** Another live run is writing this output. */
export class OutputLockedError extends LockedError {
  constructor(lockFile: string, owner: LockOwner) {
    super(lockFile, owner, { code: 'KILN_OUTPUT_LOCKED', what: `output ${path.dirname(path.dirname(lockFile))} is being written by another run`, hint: 'wait for it (or pass --wait)' });
  }
}

/** How to take a dataset lock. */
export interface DatasetLockOptions {
  /** Wait for the holder to finish instead of failing with OutputLockedError. */
  wait?: boolean;
  signal?: AbortSignal;
  log?: Logger;
  /** Called once when the lock is busy and `wait` is set. */
  onWait?: (owner: LockOwner) => void;
}

interface Held {
  count: number;
  release: () => Promise<void>;
}

const held = new Map<string, Promise<Held>>();

/** The lock file of output `dir` (absolute). */
export function datasetLockPath(dir: string): string {
  return path.join(layout.meta(dir), 'lock');
}

/** Takes the writer lock of `dir` (absolute, canonical) and returns its release function. */
export async function lockDataset(dir: string, options: DatasetLockOptions = {}): Promise<() => Promise<void>> {
  const file = datasetLockPath(dir);
  let entry = held.get(file);
  if (entry) {
    const h = await entry;
    h.count++;
  } else {
    entry = acquireFileLock(file, { ...options, lockedError: (f, o) => new OutputLockedError(f, o) }).then((lock) => ({ count: 1, release: lock.release }));
    held.set(file, entry);
    try {
      await entry;
    } catch (err) {
      held.delete(file);
      throw err;
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const h = await held.get(file)!;
    if (--h.count > 0) return;
    held.delete(file);
    await h.release();
  };
}

/** Runs `fn` holding the writer lock of `dir`. */
export async function withDatasetLock<T>(dir: string, options: DatasetLockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await lockDataset(dir, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}
