// `kiln --help` / `kiln --version` start-up against a bare `node -e 0` (the floor of any Node CLI):
// alternated order, N runs each, median wall time, ratio to the floor, median peak RSS.
// Peak RSS comes from GNU time (`/usr/bin/time -f %M`), the wall time from a direct spawn.
//   node dist/bench/cli/startup.js [--runs 15]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { kilnBin } from '../../test/core/project-paths.js';
import { median } from '../median.js';
import { printResult } from '../result-line.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const cases: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ['kiln --version', [kilnBin, '--version']],
  ['kiln --help', [kilnBin, '--help']],
];
const wall = new Map<string, number[]>(cases.map(([n]) => [n, []]));
const rss = new Map<string, number[]>(cases.map(([n]) => [n, []]));

for (let i = 0; i < runs; i++) {
  // Alternate the order each round so no case always follows the same one.
  for (const [name, args] of i % 2 ? [...cases].reverse() : cases) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    wall.get(name)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    const t = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
    rss.get(name)!.push(Number(t.stderr.trim().split('\n').pop()));
  }
}

const floor = median(wall.get('node -e 0')!);
console.log('| command | median wall ms | ratio to node -e 0 | median peak RSS MiB |');
console.log('|---|---:|---:|---:|');
for (const [name] of cases) {
  const t = median(wall.get(name)!);
  console.log(`| ${name} | ${t.toFixed(0)} | ${(t / floor).toFixed(2)} | ${(median(rss.get(name)!) / 1024).toFixed(0)} |`);
  // Start-up has no peer doing the same work: the row is kiln's time as a multiple of bare node's.
  if (name !== 'node -e 0') printResult({ bench: 'cli', what: `\`${name}\` start-up`, peer: 'bare `node -e 0`', figure: `${(t / floor).toFixed(2)}x node's time (target <= 5x)` });
}
