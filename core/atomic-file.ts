import { promises as fs } from 'node:fs';
import path from 'node:path';
import { IoError } from './errors.js';

let counter = 0;

/** A temporary name beside `target`, unique per process, that readers never mistake for a part. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.tmp-${process.pid}-${counter++}-${path.basename(target)}`);
}

/** True for names written by tempPathFor: leftovers of a killed writer, safe to delete on resume. */
export function isTempName(name: string): boolean {
  return name.startsWith('.tmp-');
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some filesystems refuse to open a dir for sync, which is harmless.
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    /* best effort */
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `target` so that a crash leaves either the old file or the whole new one. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(target);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'w');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new IoError(`cannot write ${target}: ${code} ${(err as Error).message}`, { path: target }, { cause: err });
  }
  await fsyncDir(path.dirname(target));
}

/** Reads and parses a JSON file, or returns undefined when it does not exist. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}
