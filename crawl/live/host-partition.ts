// A live crawl split into N tasks owns each host in exactly one task, so politeness (in-flight
// cap, delay, Crawl-delay, Retry-After) stays a per-host matter of one process, whichever node
// runs it. The owner is a hash of the host (with its port), the same on every machine and run.
import { createHash } from 'node:crypto';

/** The task (0..taskCount-1) that crawls `host` (a URL's `host`: hostname and port). */
export function hostTask(host: string, taskCount: number): number {
  if (taskCount <= 1) return 0;
  return createHash('sha1').update(host).digest().readUInt32BE(0) % taskCount;
}

/** Task `task`'s share of a crawl-wide budget of `total` pages: the shares add up to `total`. */
export function pageShare(total: number, task: number, taskCount: number): number {
  return Math.floor(total / taskCount) + (task < total % taskCount ? 1 : 0);
}
