import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Folder of an incremental pipeline's generations: `workdir/generations/<id>/<stage>`. */
export function generationsDir(workdir: string): string {
  return path.join(workdir, 'generations');
}

/** A new generation id: the UTC start time, sortable as text (`20261129T180455123Z`). */
export function newGenerationId(now = new Date()): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

const GENERATION_RE = /^\d{8}T\d{9}Z$/;

/** Generation ids found on disk, oldest first. */
export async function listGenerations(workdir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(generationsDir(workdir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => GENERATION_RE.test(n)).sort();
}
