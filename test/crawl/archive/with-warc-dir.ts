import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { requireSharedData } from '../../core/project-paths.js';

/** Runs `fn` with the shared WARC folder and a fresh temp dir (removed after), or skips without the data. */
export async function withWarcDir(t: TestContext, prefix: string, fn: (warcDir: string, dir: string) => Promise<void>): Promise<void> {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    await fn(warcDir, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
