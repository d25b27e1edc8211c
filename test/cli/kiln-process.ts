// Runs the built CLI as a user does: a child process, in a working directory of the test's choice.
import { spawn, type ChildProcess } from 'node:child_process';
import { kilnBin } from '../core/project-paths.js';

/** What a finished `kiln` run printed and how it exited. */
export interface KilnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `kiln` child and its result once it exits. */
export interface KilnChild {
  child: ChildProcess;
  done: Promise<KilnResult>;
}

const env = { ...process.env, NODE_V8_COVERAGE: undefined, KILN_LOG: 'silent' };

/** Starts `kiln ARGS` in `cwd`, with `extraEnv` added to the environment. */
export function startKiln(args: string[], cwd: string, extraEnv: Record<string, string> = {}): KilnChild {
  const child = spawn(process.execPath, [kilnBin, ...args], { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, done: collect(child) };
}

/** Runs `kiln ARGS` in `cwd` to its end. */
export function kiln(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<KilnResult> {
  return startKiln(args, cwd, extraEnv).done;
}

/** Starts `bash -c SCRIPT` in `cwd`, with `kiln` on the PATH as a function-free alias (a tiny wrapper script in `binDir`). */
export function startBash(script: string, cwd: string, binDir: string): KilnChild {
  const child = spawn('bash', ['-c', script], { cwd, env: { ...env, PATH: `${binDir}:${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, done: collect(child) };
}

/** Writes an executable `kiln` wrapper into `binDir` that runs the built CLI with this node. */
export async function writeKilnWrapper(binDir: string): Promise<void> {
  const { promises: fs } = await import('node:fs');
  await fs.mkdir(binDir, { recursive: true });
  await fs.writeFile(`${binDir}/kiln`, `#!/bin/sh\nexec '${process.execPath}' '${kilnBin}' "$@"\n`, { mode: 0o755 });
}

function collect(child: ChildProcess): Promise<KilnResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
