// One run at a time per index: two runs that both read the index before either adds its
// generation would not see each other's documents and could keep the same duplicate twice.
// A lock left by a killed run (same host, pid no longer alive) is taken over, so a SIGKILLed
// run resumes (core/file-lock.ts).
import path from 'node:path';
import { acquireFileLock, LockedError, type LockOwner } from '../core/file-lock.js';

/** Another live run holds the index. */
export class IndexLockedError extends LockedError {
  constructor(lockFile: string, owner: LockOwner) {
    super(lockFile, owner, { code: 'KILN_INDEX_LOCKED', what: `index ${path.dirname(lockFile)} is in use by another dedupe run` });
  }
}

/** Takes the index's lock; returns a function that releases it. */
export async function lockIndex(indexDir: string): Promise<() => Promise<void>> {
  const lock = await acquireFileLock(path.join(indexDir, '.lock'), { lockedError: (f, o) => new IndexLockedError(f, o) });
  return () => lock.release();
}
