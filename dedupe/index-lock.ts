// One run at a time per index: two runs that both read the index before either adds its
// generation would not see each other's documents and could keep the same duplicate twice.
// The lock is a file created with O_EXCL holding the owner's host and pid; a lock left by a
// killed run (same host, pid no longer alive) is taken over, so a SIGKILLed run resumes.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnError } from '../core/errors.js';
import { pidAlive } from '../core/process-alive.js';

/** Another live run holds the index. */
export class IndexLockedError extends KilnError {
  constructor(indexDir: string, owner: string) {
    super('KILN_INDEX_LOCKED', `index ${indexDir} is in use by another dedupe run (${owner}); wait for it, or delete ${path.join(indexDir, '.lock')} if that run is gone`, { path: indexDir });
  }
}

interface LockOwner {
  host: string;
  pid: number;
  since: string;
}

/** Takes the index's lock; returns a function that releases it. */
export async function lockIndex(indexDir: string): Promise<() => Promise<void>> {
  await fs.mkdir(indexDir, { recursive: true });
  const file = path.join(indexDir, '.lock');
  const me: LockOwner = { host: os.hostname(), pid: process.pid, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify(me), { flag: 'wx' });
      return async () => {
        await fs.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
    } catch {
      owner = undefined; // half-written by a killed run: stale
    }
    const stale = !owner || (owner.host === me.host && !pidAlive(owner.pid));
    if (!stale) throw new IndexLockedError(indexDir, `${owner!.host} pid ${owner!.pid} since ${owner!.since}`);
    await fs.rm(file, { force: true });
  }
  throw new IndexLockedError(indexDir, 'a run that took the lock at the same moment');
}
