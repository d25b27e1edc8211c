// `npm test`: node's test runner over the compiled tests (*.test.js under dist/test), two files at
// a time, with a coverage report. Files are listed here because Node 20 treats every .js file
// under a directory named `test` as a test file, helpers included.
import { spawnSync } from 'node:child_process';
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
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, KILN_LOG: process.env.KILN_LOG ?? 'silent' } });
process.exit(r.status ?? 1);
