// `npm test`: node's test runner over the compiled tests (*.test.js under dist/test), two files at
// a time, with a coverage report. Files are listed here because Node 20 treats every .js file
// under a directory named `test` as a test file, helpers included. The last line repeats the
// totals, since the coverage table is printed after the runner's own summary.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? find(full) : e.name.endsWith('.test.js') ? [full] : [];
  });
}

const only = process.argv.slice(2);
const files = find('dist/test').filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
const args = ['--test', '--test-concurrency=2', '--experimental-test-coverage', ...files];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KILN_LOG: process.env.KILN_LOG ?? 'silent' } });
const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0 };
let coverageBroken = false;
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail += chunk;
  const lines = tail.split('\n');
  tail = lines.pop();
  for (const line of lines) {
    const m = /^# (tests|pass|fail|cancelled|skipped) (\d+)$/.exec(line);
    if (m) totals[m[1]] = Number(m[2]);
    if (line.startsWith('# Warning: Could not report code coverage')) coverageBroken = true;
  }
});
child.on('exit', (code) => {
  // Tests SIGKILL child processes on purpose; one killed while writing its V8 coverage file
  // leaves truncated JSON, and the runner then exits 1 although every test passed. A broken
  // coverage report is reported, not counted as a test failure.
  const allPassed = totals.tests > 0 && totals.fail === 0 && totals.cancelled === 0;
  if (code !== 0 && allPassed && coverageBroken) {
    process.stdout.write('\nnote: the coverage report could not be built (a killed child left a truncated coverage file); all tests passed\n');
    code = 0;
  }
  process.stdout.write(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped\n`);
  process.exit(code ?? 1);
});
