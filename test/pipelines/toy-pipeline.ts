// Fixtures for pipeline tests: temp folders, pipeline files over the toy stages, the built CLI.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../../core/input-files.js';

/** The project root (tests run from dist/test/pipelines). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built CLI. */
export const kilnBin = path.join(projectRoot, 'dist/cli/bin.js');
/** The compiled toy stage module, for `module:` entries. */
export const toyModule = fileURLToPath(new URL('./toy-stages.js', import.meta.url));

/** A fresh temp folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'kiln-pipe-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes `yaml` as `dir/name` and returns its path. */
export async function writePipeline(dir: string, yaml: string, name = 'pipeline.yaml'): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, yaml);
  return file;
}

/** A two-stage toy pipeline (source -> upper) using the compiled toy stages. */
export function toyPipelineYaml(opts: { name?: string; count?: number; tasks?: number; delayMs?: number; failOn?: string; holdUntil?: string; executor?: string; extra?: string } = {}): string {
  return [
    `name: ${opts.name ?? 'toy'}`,
    'workdir: ./work',
    ...(opts.executor ? [`executor: ${opts.executor}`] : []),
    ...(opts.extra ? [opts.extra] : []),
    'stages:',
    '  source:',
    `    module: ${JSON.stringify(toyModule)}`,
    '    export: toySource',
    `    count: ${opts.count ?? 30}`,
    `    tasks: ${opts.tasks ?? 3}`,
    '  upper:',
    `    module: ${JSON.stringify(toyModule)}`,
    '    export: toyUpper',
    ...(opts.delayMs ? [`    delayMs: ${opts.delayMs}`] : []),
    ...(opts.failOn ? [`    failOn: ${JSON.stringify(opts.failOn)}`] : []),
    ...(opts.holdUntil ? [`    holdUntil: ${JSON.stringify(opts.holdUntil)}`] : []),
    '',
  ].join('\n');
}

/** Every document of a dataset folder, sorted by id (task order differs between executors). */
export async function readSorted(dir: string): Promise<Array<{ id: string; text: string }>> {
  const docs: Array<{ id: string; text: string }> = [];
  for await (const d of readDocuments([dir])) docs.push({ id: d.id, text: d.text });
  return docs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Result of a CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the built CLI; resolves when it exits. `env` adds to the test's environment. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): { done: Promise<CliResult>; pid: number | undefined; stderr(): string } {
  const child = spawn(process.execPath, [kilnBin, ...args], { cwd: options.cwd, env: { ...process.env, KILN_LOG: 'silent', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, pid: child.pid, stderr: () => stderr };
}
