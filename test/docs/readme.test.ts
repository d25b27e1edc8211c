// The README is a test: every command of every `sh` block in README.md and pipelines/README.md
// runs, in document order, in one temporary working directory with the relative paths the README
// gives, through a `kiln` on PATH (the built dist/cli/bin.js). Each must exit 0, and what it
// writes is checked (output-checks.ts). `ts` blocks are compiled against the built package and
// run; `yaml` blocks must parse; any other block must say it is `text`. What the test does
// differently from a user is listed in readme-substitutions.ts, and nowhere else.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startDemoSite } from '../../pipelines/examples/demo-site.js';
import { kilnBin, projectRoot } from '../core/project-paths.js';
import { commandLines, fencedBlocks, type CommandLine, type FencedBlock } from './markdown-blocks.js';
import { checkOutput, checkPipeline, kilnJson, type KilnJson } from './output-checks.js';
import { prepareCommand, prepareWorkspace, type PreparedCommand } from './readme-substitutions.js';

const DOCS = ['README.md', 'pipelines/README.md'];
const LANGS = new Set(['sh', 'ts', 'yaml', 'text']);
// Per command; the whole file runs in about 3 minutes on 2 idle cores (the quickstart and the
// training commands are most of it).
const COMMAND_TIMEOUT_MS = 300_000;
// Under CI the Slurm examples must run (.ci/run starts a 3-node cluster and sets KILN_TEST_SLURM=1).
const SLURM_REQUIRED = process.env.KILN_TEST_SLURM === '1' || process.env.CI === 'true';

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv, stopWhen?: RegExp): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // `exec` so that a SIGTERM for `kiln schedule` reaches kiln itself, not bash.
    const child = spawn('bash', ['-c', stopWhen ? `exec ${command}` : command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stopWhen && !stopped && stopWhen.test(stderr)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function failMessage(cmd: CommandLine, prepared: PreparedCommand, ran: Ran): string {
  const how = prepared.run === cmd.command ? '' : ` (run as: ${prepared.run})`;
  return `${cmd.file}:${cmd.line}: \`${cmd.command}\`${how} exited ${ran.code ?? ran.signal}\n${tail(ran.stderr)}\n${tail(ran.stdout, 4)}`;
}

/** The value of `--flag VALUE` in a command, if present. */
function option(command: string, flag: string): string | undefined {
  return new RegExp(`(?:^|\\s)${flag}\\s+([^\\s-][^\\s]*)`).exec(command)?.[1];
}

/** Why a Slurm command cannot run here, or undefined when it must. */
function slurmSkip(command: string, cwd: string): string | undefined {
  const file = /^kiln (?:run|status|schedule) (\S+)/.exec(command)?.[1];
  const yaml = file && /\.ya?ml$/.test(file) && existsSync(path.join(cwd, file)) ? readFileSync(path.join(cwd, file), 'utf8') : '';
  const slurm = /--executor slurm/.test(command) || /^executor:\s*slurm/m.test(yaml);
  if (!slurm || !/^kiln run /.test(command) || SLURM_REQUIRED) return undefined;
  return 'a Slurm example: runs when KILN_TEST_SLURM=1 or CI=true (start a cluster with: bash .ci/slurm.sh start)';
}

/** Runs one README command and checks what it wrote. */
async function runCommand(t: TestContext, cmd: CommandLine, cwd: string, env: NodeJS.ProcessEnv, site: string, kiln: KilnJson): Promise<void> {
  const prepared = prepareCommand(cmd.command, site);
  const skip = prepared.skip ?? slurmSkip(prepared.run, cwd);
  if (skip) {
    t.skip(skip);
    return;
  }
  const ran = await run(prepared.run, cwd, env, prepared.schedule ? /"event":"run_end"/ : undefined);
  assert.equal(ran.code, 0, failMessage(cmd, prepared, ran));
  const c = prepared.run;
  const checked: string[] = [];
  if (prepared.schedule) {
    assert.match(ran.stderr, /"event":"run_end","[^\n]*"status":"ok"/, `${cmd.file}:${cmd.line}: the scheduled run did not end ok\n${tail(ran.stderr)}`);
    assert.match(ran.stderr, /"event":"schedule_stop"/, `${cmd.file}:${cmd.line}: no schedule_stop after SIGTERM`);
  }
  const pipeline = /^kiln (?:run|schedule) (\S+)/.exec(c)?.[1];
  if (pipeline && !/--dry-run/.test(c)) checked.push(...(await checkPipeline(cwd, pipeline, kiln)));
  if (/^kiln quickstart\b/.test(c)) checked.push(...(await checkPipeline(cwd, path.join(option(c, '--dir') ?? 'runs/quickstart', 'pipeline.yaml'), kiln)));
  const out = option(c, '--out');
  if (out) {
    checked.push(await checkOutput(cwd, out, kiln));
    if (/--excluded/.test(c)) checked.push(await checkOutput(cwd, path.join(out, 'excluded'), kiln));
    if (/^kiln crawl /.test(c) && /--url /.test(c) && /--warc\b/.test(c)) {
      const warcs = (await fs.readdir(path.join(cwd, out, 'warc'))).filter((n) => n.endsWith('.warc.gz'));
      assert.ok(warcs.length > 0, `${out}/warc: no WARC files`);
      checked.push(`${out}/warc: ${warcs.length} WARC file(s)`);
    }
  }
  const index = option(c, '--index');
  if (index) assert.ok(existsSync(path.join(cwd, index)), `${index}: the dedupe index was not written`);
  if (/\s--json\b/.test(c)) assert.doesNotThrow(() => JSON.parse(ran.stdout), `${cmd.command}: --json printed no JSON`);
  for (const line of checked) t.diagnostic(line);
}

/** Compiles a `ts` block against the built package (as a user's project with kiln installed), runs it, checks its outputs. */
async function runTypeScript(block: FencedBlock, n: number, cwd: string, env: NodeJS.ProcessEnv, kiln: KilnJson): Promise<void> {
  const name = `readme-example-${n}`;
  await fs.writeFile(path.join(cwd, `${name}.mts`), block.body + '\n');
  const tsc = path.join(projectRoot, 'node_modules/typescript/bin/tsc');
  const flags = ['--module', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck', '--outDir', 'ts-out', `${name}.mts`];
  const compiled = await run(`node ${tsc} ${flags.join(' ')}`, cwd, env);
  assert.equal(compiled.code, 0, `${block.file}:${block.line}: the TypeScript example does not compile:\n${tail(compiled.stdout)}`);
  const ran = await run(`node ts-out/${name}.mjs`, cwd, env);
  assert.equal(ran.code, 0, `${block.file}:${block.line}: the TypeScript example failed:\n${tail(ran.stderr)}`);
  for (const [, out] of block.body.matchAll(/\bout: '([^']+)'/g)) await checkOutput(cwd, out, kiln);
}

test('README.md and pipelines/README.md: every command runs as written, in order, from a fresh directory', async (t) => {
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-readme-'));
  const bin = path.join(cwd, '.bin');
  await fs.mkdir(bin);
  // What `npm link` would give: `kiln` on PATH running the built CLI.
  await fs.writeFile(path.join(bin, 'kiln'), `#!/bin/sh\nexec node ${kilnBin} "$@"\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  // Progress and logs go to stderr, captured for failure messages; coverage files of children
  // stopped on purpose would be truncated.
  delete env.KILN_LOG;
  delete env.NODE_V8_COVERAGE;
  const site = await startDemoSite({ port: 0 });
  t.after(() => site.close());
  await prepareWorkspace(cwd, site.url);
  t.diagnostic(`working directory ${cwd}, demo site ${site.url}`);
  const kiln = kilnJson(cwd, env);

  let tsBlocks = 0;
  let failed = false;
  const noteFailure = (p: Promise<void>): Promise<void> => p.catch((err: unknown) => {
    failed = true;
    throw err;
  });
  for (const doc of DOCS) {
    for (const block of fencedBlocks(path.join(projectRoot, doc))) {
      const where = `${doc}:${block.line}`;
      assert.ok(LANGS.has(block.lang), `${where}: a fence must say what it holds (${[...LANGS].join(', ')}); got "${block.lang}"`);
      if (block.lang === 'sh') {
        for (const cmd of commandLines(block)) {
          await t.test(`${doc}:${cmd.line} ${cmd.command}`, (st) => noteFailure(runCommand(st, { ...cmd, file: doc }, cwd, env, site.url, kiln)));
        }
      } else if (block.lang === 'ts') {
        await t.test(`${where} TypeScript example`, () => noteFailure(runTypeScript({ ...block, file: doc }, ++tsBlocks, cwd, env, kiln)));
      } else if (block.lang === 'yaml') {
        assert.doesNotThrow(() => parseYaml(block.body), `${where}: invalid YAML`);
      }
    }
  }
  // Kept after a failure, to look at what the commands left.
  if (failed) t.diagnostic(`kept ${cwd}`);
  else await fs.rm(cwd, { recursive: true, force: true });
});
