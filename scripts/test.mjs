// `npm test`: node's test runner over the compiled tests, two files at a time, with coverage.
import { spawnSync } from 'node:child_process';

const args = ['--test', '--test-concurrency=2', '--experimental-test-coverage', 'dist/test/'];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, KILN_LOG: process.env.KILN_LOG ?? 'silent' } });
process.exit(r.status ?? 1);
