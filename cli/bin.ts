#!/usr/bin/env node
import { main } from './main.js';
import { reportUnreportedStop } from './stop-signal.js';

await main(process.argv);
// A command interrupted by SIGINT/SIGTERM exits 130/143 even when it ended in an error.
await reportUnreportedStop();
// A finished command ends the process even if a library left a handle open (an idle worker
// pool, a keep-alive socket); long-running commands (schedule) only return when they are done.
// stdout/stderr are synchronous for files and pipes on POSIX, so nothing printed is lost.
process.exit(process.exitCode ?? 0);
