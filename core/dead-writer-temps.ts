// Temporaries of writers that were killed: a file written by tempPathFor (`.<name>.tmp-<pid>-<n>`)
// or by the shard writers (`.tmp-<pid>-<name>`) whose process is gone can never be renamed into
// place, so a command that resumes after a kill deletes them. A live process's temporaries (this
// one's, or another writer's on this host) are left alone.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isTempName } from './atomic-file.js';

/** The writer's pid a temporary name carries, or undefined when it carries none. */
function tempPid(name: string): number | undefined {
  const m = /\.tmp-(\d+)-\d+$/.exec(name) ?? /^\.tmp-(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes the temporaries of dead writers in `dir` and, with `into`, in those subfolders of it (e.g. `_kiln`); returns their paths. */
export async function removeDeadWriterTemps(dir: string, into: (name: string) => boolean = () => false): Promise<string[]> {
  const removed: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (into(e.name)) removed.push(...(await removeDeadWriterTemps(p, () => true)));
      continue;
    }
    const pid = tempPid(e.name);
    if (!isTempName(e.name) || pid === undefined || pid === process.pid || alive(pid)) continue;
    await fs.rm(p, { force: true });
    removed.push(p);
  }
  return removed;
}
