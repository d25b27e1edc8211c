import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KilnError } from '../../core/errors.js';

const execFileAsync = promisify(execFile);

/** One record of `scontrol -o show job`: a plain job, or one element (or pending range) of an array. */
export interface SlurmJobRecord {
  jobId: string;
  arrayJobId?: string;
  /** Array element index, or a range like `3-4` for a pending remainder. */
  arrayTaskId?: string;
  state: string;
  reason: string;
  exitCode: string;
  stdout?: string;
}

/** A Slurm command failed or printed something we cannot read. */
export class SlurmCommandError extends KilnError {
  constructor(message: string, where: { path?: string } = {}) {
    super('KILN_SLURM', message, where);
  }
}

/** Runs a Slurm client command (argv, never a shell) and returns its stdout. */
export async function slurmCommand(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new SlurmCommandError(`${cmd} not found: the Slurm executor needs the Slurm client commands (sbatch, squeue, scontrol, scancel) on PATH`);
    throw new SlurmCommandError(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim().split('\n')[0]}`);
  }
}

/** Parses `scontrol -o show job` output: one `Key=Value Key=Value ...` line per record. */
export function parseScontrolJobs(text: string): SlurmJobRecord[] {
  const records: SlurmJobRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('JobId=')) continue;
    // Split only before `Key=` words, so values holding spaces (paths, commands) stay whole.
    const fields = new Map<string, string>();
    for (const part of line.trim().split(/\s+(?=[A-Za-z][A-Za-z0-9/:_]*=)/)) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
    }
    const jobId = fields.get('JobId');
    if (!jobId) continue;
    records.push({
      jobId,
      arrayJobId: fields.get('ArrayJobId'),
      arrayTaskId: fields.get('ArrayTaskId'),
      state: fields.get('JobState') ?? 'UNKNOWN',
      reason: fields.get('Reason') ?? '',
      exitCode: fields.get('ExitCode') ?? '',
      stdout: fields.get('StdOut'),
    });
  }
  return records;
}

/** Every record of a job (all elements of an array job), or [] once Slurm has forgotten it. */
export async function showJob(jobId: string): Promise<SlurmJobRecord[]> {
  try {
    return parseScontrolJobs(await slurmCommand('scontrol', ['-o', 'show', 'job', jobId]));
  } catch (err) {
    if (err instanceof SlurmCommandError && /invalid job id/i.test(err.message)) return [];
    throw err;
  }
}

/** Job ids (of `ids`) still pending, running or completing. */
export async function jobsInQueue(ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  try {
    const out = await slurmCommand('squeue', ['-h', '-o', '%A', '-j', ids.join(',')]);
    return [...new Set(out.split('\n').map((l) => l.trim()).filter(Boolean))];
  } catch (err) {
    // squeue refuses the whole list once one id has been purged; ask one by one then.
    if (!(err instanceof SlurmCommandError) || !/invalid job id/i.test(err.message) || ids.length === 1) {
      if (err instanceof SlurmCommandError && /invalid job id/i.test(err.message)) return [];
      throw err;
    }
    const alive: string[] = [];
    for (const id of ids) alive.push(...(await jobsInQueue([id])));
    return alive;
  }
}

/** Parses sbatch --parsable output (`ID` or `ID;cluster`). */
export function parseSbatchId(stdout: string): string {
  const id = stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch printed no job id: ${stdout.trim().slice(0, 200)}`);
  return id;
}
