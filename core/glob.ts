import { promises as fs } from 'node:fs';
import path from 'node:path';

// Node 20 has no fs.glob (added in 22); this covers the shapes users type for datasets:
// `dir/*.parquet`, `dir/**/*.jsonl.gz`, `data/part-0?.jsonl`.

/** True when a path contains glob characters. */
export function isGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

function segmentRegex(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function splitAtGlob(pattern: string): { base: string; rest: string[] } {
  const parts = path.resolve(pattern).split(path.sep);
  const firstGlob = parts.findIndex(isGlob);
  return { base: parts.slice(0, firstGlob).join(path.sep) || path.sep, rest: parts.slice(firstGlob) };
}

/** The absolute directory a glob starts from (`data/**\/*.jsonl` -> `/cwd/data`): matched files' paths are relative to it. */
export function globBase(pattern: string): string {
  return splitAtGlob(pattern).base;
}

/** Files matching a glob, sorted; `**` matches any number of directories. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const { base, rest } = splitAtGlob(pattern);
  const out: string[] = [];
  async function walk(dir: string, i: number): Promise<void> {
    if (i === rest.length) return;
    const seg = rest[i];
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (seg === '**') {
      await walk(dir, i + 1);
      for (const e of entries) if (e.isDirectory()) await walk(path.join(dir, e.name), i);
      return;
    }
    const re = segmentRegex(seg);
    for (const e of entries) {
      if (!re.test(e.name)) continue;
      const full = path.join(dir, e.name);
      if (i === rest.length - 1) {
        if (e.isFile()) out.push(full);
      } else if (e.isDirectory()) await walk(full, i + 1);
    }
  }
  await walk(base, 0);
  return [...new Set(out)].sort();
}
