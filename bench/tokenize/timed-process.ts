// Runs a child process and measures it: wall seconds, plus CPU seconds (user + sys, all threads)
// from /usr/bin/time when present. On a shared, overloaded machine CPU seconds are the steadier
// measure of the work a process does; wall seconds are what a user waits.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** What a measured child process did. */
export interface TimedRun {
  seconds: number;
  cpu: number;
  stdout: string;
}

/** Runs `cmd args` to completion; throws with its stderr when it fails. */
export function timedProcess(cmd: string, args: string[]): TimedRun {
  const t0 = performance.now();
  const r = timeBin
    ? spawnSync(timeBin, ['-f', 'KILN_CPU %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /KILN_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { seconds, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, stdout: r.stdout };
}
