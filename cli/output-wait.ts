import type { LockOwner } from '../core/file-lock.js';

/** The `onWait` of a stage run with --wait: one stderr line saying whose run it waits for. */
export function onOutputWait(out: string): (owner: LockOwner) => void {
  return (o) => process.stderr.write(`kiln: ${out} is being written by pid ${o.pid} on ${o.host} since ${o.started}; waiting for it to finish\n`);
}
