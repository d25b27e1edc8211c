// An exclusive lock file for "one run at a time" (a pipeline, a dedupe index): created with
// O_EXCL, holding the owner's pid and host; a lock left by a process that died on this host is
// taken over, so a SIGKILLed run can start again without anyone deleting files by hand.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnError } from './errors.js';
import type { Logger } from './log.js';
import { pidAlive } from './process-alive.js';
import { makeDirs } from './make-dirs.js';

/** What the lock file holds: enough to tell who runs the pipeline and whether it still lives. */
export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** How a LockedError reads: its code, what is locked, and what the user can do. */
export interface LockedErrorText {
  code?: string;
  what?: string;
  /** Default: "wait for it". */
  hint?: string;
}

/** Another live process holds a lock file. */
export class LockedError extends KilnError {
  readonly owner: LockOwner;
  constructor(lockFile: string, owner: LockOwner, text: LockedErrorText = {}) {
    super(
      text.code ?? 'KILN_LOCKED',
      `${text.what ?? `${lockFile} is held`}: pid ${owner.pid} on ${owner.host} since ${owner.started} (${owner.command}); ` +
        `${text.hint ?? 'wait for it'}, or remove ${lockFile} if that process is gone`,
      { path: lockFile },
    );
    this.owner = owner;
  }
}

/** A held lock; release() is idempotent. */
export interface FileLock {
  file: string;
  owner: LockOwner;
  release(): Promise<void>;
}

/** Options of acquireFileLock. */
export interface LockOptions {
  /** The error thrown when the lock is held (default: LockedError). */
  lockedError?: (file: string, owner: LockOwner) => LockedError;
  log?: Logger;
  /** Wait (polling) until the lock is free instead of failing at once. */
  wait?: boolean;
  /** Poll interval while waiting, ms. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called once when the lock is found busy and we start waiting. */
  onWait?: (owner: LockOwner) => void;
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch (err) {
    // A lock file cut short by a crash between create and write: no live owner wrote it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, host: os.hostname(), started: 'unknown', command: 'unreadable lock file' };
  }
}

/**
 * Takes the lock `file` (create-exclusive). A lock whose pid is dead on this host is
 * stale: it is moved aside by rename (atomic, so two takers cannot both win) and logged. A lock
 * from another host cannot be checked and is always respected.
 */
export async function acquireFileLock(file: string, options: LockOptions = {}): Promise<FileLock> {
  const locked = options.lockedError ?? ((f: string, o: LockOwner) => new LockedError(f, o));
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  await makeDirs(path.dirname(file));
  let waited = false;
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        file,
        owner,
        release: async () => {
          if (released) return;
          released = true;
          // Only remove the lock if it is still ours (it may have been taken over by hand).
          const current = await readOwner(file);
          if (current && current.pid === owner.pid && current.host === owner.host && current.started === owner.started) await fs.rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readOwner(file);
    if (holder === undefined) continue; // released between our open and read: try again
    const stale = holder.host === os.hostname() && (holder.pid <= 0 || !pidAlive(holder.pid));
    if (stale) {
      const aside = `${file}.stale-${process.pid}-${Date.now()}`;
      try {
        await fs.rename(file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // someone else took it over first
        throw err;
      }
      const moved = await readOwner(aside);
      if (moved && (moved.pid !== holder.pid || moved.started !== holder.started)) {
        // Between our read and rename another process took the stale lock over: give it back.
        await fs.link(aside, file).catch(() => undefined);
        await fs.rm(aside, { force: true });
      } else {
        await fs.rm(aside, { force: true });
        options.log?.warn('stale_lock_taken_over', { lock: file, pid: holder.pid, host: holder.host, started: holder.started });
      }
      continue;
    }
    if (!options.wait) throw locked(file, holder);
    if (!waited) {
      waited = true;
      options.onWait?.(holder);
      options.log?.info('lock_wait', { lock: file, pid: holder.pid, host: holder.host, started: holder.started });
    }
    if (options.signal?.aborted) throw locked(file, holder);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}
