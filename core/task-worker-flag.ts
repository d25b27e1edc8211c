// Whether this thread is one of kiln's task workers. A task worker imports the module that
// defines its stage; when a user's script defines a stage and runs it in one file (a top-level
// `await runStage(...)`, as in the README), that import would start the whole stage again inside
// the worker. runStage asks this flag and leaves the run to the process that started it.
let inTaskWorker = false;

/** Marks this thread as a kiln task worker (core/task-worker.ts, once at start). */
export function markTaskWorker(): void {
  inTaskWorker = true;
}

/** True inside a kiln task worker thread. */
export function isTaskWorker(): boolean {
  return inTaskWorker;
}
