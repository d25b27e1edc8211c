// The pipeline lock: one `kiln run` (or scheduled tick) per pipeline state folder at a time.
import { acquireFileLock, LockedError, type FileLock, type LockOptions, type LockOwner } from '../core/file-lock.js';

export type { LockOwner } from '../core/file-lock.js';

/** Another live process holds the pipeline's lock. */
export class PipelineLockedError extends LockedError {
  constructor(lockFile: string, owner: LockOwner) {
    super(lockFile, owner, { code: 'KILN_PIPELINE_LOCKED', what: 'pipeline is already running', hint: 'wait for it, pass --wait' });
  }
}

/** A held pipeline lock; release() is idempotent. */
export type PipelineLock = FileLock;

/** Takes the pipeline lock `file`; a live holder fails with PipelineLockedError unless `wait`. */
export function acquireLock(file: string, options: Omit<LockOptions, 'lockedError'> = {}): Promise<PipelineLock> {
  return acquireFileLock(file, { ...options, lockedError: (f, o) => new PipelineLockedError(f, o) });
}
