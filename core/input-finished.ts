// A stage reading a kiln dataset whose run was interrupted would silently work on part of it
// (and a later resume of that input would never reach this output). So an unfinished dataset
// is refused as an input unless the user says they want what it has so far.
import { promises as fs } from 'node:fs';
import { readSuccess } from './dataset-manifest.js';
import { datasetStatus } from './dataset-status.js';
import { InputUnfinishedError } from './errors.js';
import { isGlob } from './glob.js';
import { isKilnDataset } from './input-files.js';

function list(tasks: number[]): string {
  return tasks.length <= 12 ? tasks.join(',') : `${tasks.slice(0, 12).join(',')},… (${tasks.length})`;
}

/** Throws InputUnfinishedError for the first input that is a kiln dataset without SUCCESS.json; plain folders, files and globs pass. */
export async function requireFinishedInputs(inputs: readonly string[]): Promise<void> {
  for (const input of inputs) {
    if (isGlob(input)) continue;
    const st = await fs.stat(input).catch(() => undefined);
    if (!st?.isDirectory() || !(await isKilnDataset(input)) || (await readSuccess(input))) continue;
    const s = await datasetStatus(input);
    const failed = s.failed.map((f) => f.task);
    throw new InputUnfinishedError(
      `input ${input} is an unfinished ${s.stage} dataset: ${s.done.length} of ${s.tasks} tasks done (${list(s.done) || 'none'}), pending ${list([...s.pending, ...failed].sort((a, b) => a - b))}; ` +
        `run its command again to finish it, or pass --allow-partial to read the ${s.rows} rows committed so far`,
      { path: input },
    );
  }
}
