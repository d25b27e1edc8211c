import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The project root (tests run from dist/test/..., sources live in test/...). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The shared real-world data folder beside the project. */
export const sharedData = path.resolve(projectRoot, '../shared/data');
/** The built CLI. */
export const kilnBin = path.join(projectRoot, 'dist/cli/bin.js');

// CI (.ci/run) sets KILN_TEST_SHARED=1: there a missing ../shared/data is a broken setup, and
// tests that need it must fail rather than skip, as the Slurm tests do with KILN_TEST_SLURM.
const sharedDataRequired = process.env.KILN_TEST_SHARED === '1';

/** ../shared/data/<sub>, or undefined when absent; throws when absent under KILN_TEST_SHARED=1. */
export function sharedDataPath(sub: string): string | undefined {
  const p = path.join(sharedData, sub);
  if (existsSync(p)) return p;
  if (sharedDataRequired) throw new Error(`${p} absent, and KILN_TEST_SHARED=1 says this run must have ../shared/data`);
  return undefined;
}

/** ../shared/data/<sub> for a bench, which has nothing to measure without it: throws naming the path when absent. */
export function benchData(bench: string, sub = ''): string {
  const p = sharedDataPath(sub);
  if (p === undefined) throw new Error(`${bench}: ${path.join(sharedData, sub)} is absent; this bench reads its third-party data from there`);
  return p;
}

/** ../shared/data/<sub> for test `t`; when absent, skips `t` with a message (undefined) or, under KILN_TEST_SHARED=1, throws. */
export function requireSharedData(t: TestContext, sub: string): string | undefined {
  const p = sharedDataPath(sub);
  if (p === undefined) t.skip(`${path.join(sharedData, sub)} absent: skipped (KILN_TEST_SHARED=1 makes this a failure)`);
  return p;
}
