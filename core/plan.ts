import type { InputFile } from './input-files.js';
import type { TaskPlan } from './stage.js';

/**
 * Default task count: at least 8 (enough for the cores of a typical box), more for large inputs
 * (~128 MB a task), never more than files. It ignores this machine's core count on purpose: the
 * plan is part of the dataset's identity, and a resume on another machine must plan the same.
 */
export function defaultTaskCount(files: readonly InputFile[]): number {
  const bytes = files.reduce((s, f) => s + f.bytes, 0);
  const bySize = Math.ceil(bytes / (128 * 1024 * 1024));
  return Math.max(1, Math.min(files.length, Math.max(8, bySize)));
}

/**
 * Spreads files over `count` tasks, largest first onto the lightest task (LPT). Ties break by
 * path so the plan is the same on every machine; each task then reads its files in path order.
 */
export function planFileTasks(files: readonly InputFile[], count = defaultTaskCount(files)): TaskPlan[] {
  const n = Math.max(1, Math.min(count, Math.max(files.length, 1)));
  const tasks: TaskPlan[] = Array.from({ length: n }, (_, index) => ({ index, inputs: [] }));
  const load = new Array<number>(n).fill(0);
  const order = [...files].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1));
  for (const f of order) {
    let best = 0;
    for (let i = 1; i < n; i++) if (load[i] < load[best]) best = i;
    tasks[best].inputs.push(f);
    load[best] += Math.max(f.bytes, 1);
  }
  const position = new Map(files.map((f, i) => [f.path, i]));
  for (const t of tasks) t.inputs.sort((a, b) => position.get(a.path)! - position.get(b.path)!);
  return tasks;
}
