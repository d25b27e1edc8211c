import { promises as fs } from 'node:fs';
import path from 'node:path';
import { IoError } from './errors.js';

let counter = 0;

/**
 * A temporary name beside `target`, unique per process, that readers never mistake for a part:
 * hidden, and ending in `.tmp-<pid>-<n>` so that no `*.parquet` / `*.json` glob matches it.
 */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${counter++}`);
}

const TEMP_RE = /^\..*\.tmp-\d+-\d+$/;

/** True for names written by tempPathFor (and by older kiln: `.tmp-` first): leftovers of a killed writer, safe to delete on resume. */
export function isTempName(name: string): boolean {
  return name.startsWith('.tmp-') || TEMP_RE.test(name);
}

/** Makes a rename in `dir` durable (best effort where a filesystem cannot sync a directory). */
export async function fsyncDir(dir: string): Promise<void> {
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

function ioError(target: string, err: unknown): IoError {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  return new IoError(`cannot write ${target}: ${code} ${(err as Error).message}`, { path: target }, { cause: err });
}

/** Writes `data` to `file` and fsyncs it (not atomic: callers make it visible by a rename or a commit record). */
export async function writeFileSynced(file: string, data: Uint8Array | string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'w');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(file, { force: true }).catch(() => undefined);
    throw ioError(file, err);
  }
}

/** Writes `data` to `target` so that a crash leaves either the old file or the whole new one. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(target);
  await writeFileSynced(tmp, data).catch((err: IoError) => {
    throw ioError(target, err.cause ?? err);
  });
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(target, err);
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
