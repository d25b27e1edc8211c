// `mkdir -p` without Node's `recursive: true`: on a path whose parent exists but refuses new
// entries with ENOENT (anything under /proc, some FUSE mounts), Node 20's recursive mkdir retries
// the parent forever at 100% CPU. Creating one level at a time ends in a clear error instead.
import { mkdirSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { IoError } from './errors.js';
import { requireLocalPath } from './storage/s3-location.js';

/** Creates `dir` and its missing parents; a path that cannot be created is an IoError naming it. */
export async function makeDirs(dir: string): Promise<void> {
  const abs = path.resolve(requireLocalPath(dir));
  try {
    await fs.mkdir(abs);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return ensureDirectory(abs);
    if (code !== 'ENOENT') throw new IoError(`cannot create directory ${abs}: ${(err as Error).message}`, { path: abs });
  }
  const parent = path.dirname(abs);
  if (parent === abs) throw new IoError(`cannot create directory ${abs}`, { path: abs });
  // Recursion depth is bounded by the number of path components.
  await makeDirs(parent);
  try {
    await fs.mkdir(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return ensureDirectory(abs);
    throw new IoError(`cannot create directory ${abs}: ${(err as Error).message}`, { path: abs });
  }
}

async function ensureDirectory(abs: string): Promise<void> {
  const st = await fs.stat(abs);
  if (!st.isDirectory()) throw new IoError(`cannot create directory ${abs}: a file of that name exists`, { path: abs });
}

/** The synchronous twin of makeDirs, for code that must not yield (shard's bucket files). */
export function makeDirsSync(dir: string): void {
  const abs = path.resolve(requireLocalPath(dir));
  const make = (): 'ok' | 'missing' => {
    try {
      mkdirSync(abs);
      return 'ok';
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        if (!statSync(abs).isDirectory()) throw new IoError(`cannot create directory ${abs}: a file of that name exists`, { path: abs });
        return 'ok';
      }
      if (code === 'ENOENT') return 'missing';
      throw new IoError(`cannot create directory ${abs}: ${(err as Error).message}`, { path: abs });
    }
  };
  if (make() === 'ok') return;
  const parent = path.dirname(abs);
  if (parent === abs) throw new IoError(`cannot create directory ${abs}`, { path: abs });
  makeDirsSync(parent);
  if (make() === 'missing') throw new IoError(`cannot create directory ${abs}: the file system refused it`, { path: abs });
}
