// SIGTERM through the built CLI: start a command, send SIGTERM once it has committed work, and
// check the stop contract of cli/stop-signal.ts (exit 143 within a bound, no temp file left, a
// stopped output not marked complete, one `kiln: stopped by SIGTERM: ...; resume with: ...` line).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

// Generous for a loaded 2-core machine: a stop waits for the task's current commit only.
export const STOP_BOUND_MS = 20_000;

/** Every file under `dir` whose name starts with a dot: temp files (core/atomic-file.ts writes `.tmp-<pid>-...`). */
export async function dotFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) if (e.name.startsWith('.')) found.push(path.join(e.parentPath, e.name));
  return found;
}

/** True once `dir` holds a file named `*.json` (a commit record, a shard generation's state). */
export async function hasJson(dir: string): Promise<boolean> {
  return (await fs.readdir(dir).catch(() => [])).some((f) => f.endsWith('.json'));
}

export interface StopCase {
  /** Node arguments: the built CLI and its arguments. */
  args: string[];
  /** Where the command writes: searched for temp files after the stop. */
  out: string;
  /** True once the command has committed work; polled every 10 ms. */
  underway: () => Promise<boolean>;
  /** A dataset the stop leaves unfinished: it must hold no `_kiln/SUCCESS.json`. */
  unfinished?: string;
  cwd?: string;
}

/** Starts the command, SIGTERMs it once `underway`, checks the stop; returns the resume command it printed. */
export async function stopAfterCommit(c: StopCase): Promise<string> {
  // No V8 coverage for the child: the key must stay, set to undefined (see chaos-harness.ts).
  const child = spawn(process.execPath, c.args, { cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KILN_LOG: 'silent', NODE_V8_COVERAGE: undefined } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
  for (;;) {
    if (child.exitCode !== null) assert.fail(`run ended (${child.exitCode}) before it had committed work: ${stderr}`);
    if (await c.underway()) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const sent = Date.now();
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  const took = Date.now() - sent;
  assert.equal(signal, null, `died of ${signal} instead of stopping: ${stderr}`);
  assert.equal(code, 143, `SIGTERM exits 143: ${stderr}`);
  assert.ok(took < STOP_BOUND_MS, `stopped ${took} ms after SIGTERM`);
  assert.deepEqual(await dotFiles(c.out), [], 'no temp file left');
  if (c.unfinished) assert.equal(await fs.stat(path.join(c.unfinished, '_kiln', 'SUCCESS.json')).catch(() => undefined), undefined, 'a stopped run is not marked complete');
  const resume = /^kiln: stopped by SIGTERM: .*; resume with: (kiln .*)$/m.exec(stderr);
  assert.ok(resume, `one stop line naming the resume command: ${stderr}`);
  return resume[1]!;
}
