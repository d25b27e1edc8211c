// Forgetting documents in the persistent index (a takedown): a removed document is found in each
// generation by its exact hash (the exact run holds one record per kept document), then every
// record with its document number goes from the generation's runs and its minima are zeroed. The
// generation is rebuilt in a temporary folder and swapped in by rename, under the index lock; a
// rerun finds nothing left to forget. Numbers of the other documents do not change.
import { existsSync, promises as fs, openSync, writeSync, closeSync, fsyncSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists } from '../core/atomic-file.js';
import { KilnError } from '../core/errors.js';
import { exactHash } from './exact-hash.js';
import { lockIndex } from './index-lock.js';
import { type IndexManifest, generationDir, generationSignaturePath, listPins } from './index-store.js';
import { RunReader, RunWriter } from './run-file.js';

/** Exact-dedupe hash of a document's text, as [hi, lo] (what the index's exact run holds). */
export function exactKey(text: string): [number, number] {
  const out = new Uint32Array(2);
  exactHash(text, out);
  return [out[0], out[1]];
}

function keySet(keys: ReadonlyArray<[number, number]>): Set<string> {
  return new Set(keys.map(([hi, lo]) => `${hi}:${lo}`));
}

/** Document numbers of a generation folder whose exact hash is wanted (its exact run holds one record per kept document). */
function idsInGeneration(dir: string, wanted: ReadonlySet<string>): Set<number> {
  const ids = new Set<number>();
  for (const r = new RunReader(path.join(dir, 'exact.run')); !r.done; r.next()) if (wanted.has(`${r.hi}:${r.lo}`)) ids.add(r.id);
  return ids;
}

/** How many documents `forgetInIndex` would remove for these keys (read only; a takedown records it before it changes anything). */
export async function countInIndex(indexDir: string, keys: ReadonlyArray<[number, number]>): Promise<number> {
  const manifest = await readJsonIfExists<IndexManifest>(path.join(indexDir, 'index.json'));
  if (!manifest || keys.length === 0) return 0;
  const release = await lockIndex(indexDir);
  try {
    const wanted = keySet(keys);
    let n = 0;
    for (const g of manifest.generations) {
      // A swap cut short leaves the whole copy at .old-<name> when the folder itself is gone.
      const dir = generationDir(indexDir, g.name);
      const old = path.join(indexDir, `.old-${g.name}`);
      n += idsInGeneration(existsSync(dir) ? dir : old, wanted).size;
    }
    return n;
  } finally {
    await release();
  }
}

/** Removes the documents with these exact keys from every generation of the index; returns how many. */
export async function forgetInIndex(indexDir: string, keys: ReadonlyArray<[number, number]>): Promise<number> {
  const manifest = await readJsonIfExists<IndexManifest>(path.join(indexDir, 'index.json'));
  if (!manifest || keys.length === 0) return 0;
  const release = await lockIndex(indexDir);
  try {
    const pins = await listPins(indexDir);
    if (pins.length > 0) throw new KilnError('KILN_INDEX_PINNED', `index ${indexDir} is in use by an unfinished dedupe run (${pins[0].pin?.out ?? pins[0].file}); finish or remove that run, then run the takedown again`, { path: indexDir });
    const wanted = keySet(keys);
    let forgotten = 0;
    for (const g of manifest.generations) {
      const dir = generationDir(indexDir, g.name);
      const old = path.join(indexDir, `.old-${g.name}`);
      // A swap cut short: put back whichever copy is whole.
      if (existsSync(old)) {
        if (existsSync(dir)) await fs.rm(old, { recursive: true, force: true });
        else await fs.rename(old, dir);
      }
      const ids = idsInGeneration(dir, wanted);
      if (ids.size === 0) continue;
      const tmp = path.join(indexDir, `.tmp-forget-${g.name}`);
      await fs.rm(tmp, { recursive: true, force: true });
      await fs.mkdir(tmp, { recursive: true });
      for (const name of await fs.readdir(dir)) {
        if (name.endsWith('.run')) {
          const w = new RunWriter(path.join(tmp, name));
          for (const r = new RunReader(path.join(dir, name)); !r.done; r.next()) if (!ids.has(r.id)) w.push(r.hi, r.lo, r.id);
          w.close();
        } else await fs.copyFile(path.join(dir, name), path.join(tmp, name));
      }
      const sig = generationSignaturePath(indexDir, g.name);
      if (existsSync(sig)) {
        const fd = openSync(path.join(tmp, 'signatures.bin'), 'r+');
        const per = g.docs > 0 ? fstatSync(fd).size / g.docs : 0;
        for (const id of ids) writeSync(fd, new Uint8Array(per), 0, per, id * per);
        fsyncSync(fd);
        closeSync(fd);
      }
      await fs.rename(dir, old);
      await fs.rename(tmp, dir);
      await fs.rm(old, { recursive: true, force: true });
      forgotten += ids.size;
    }
    return forgotten;
  } finally {
    await release();
  }
}
