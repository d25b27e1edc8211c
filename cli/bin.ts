#!/usr/bin/env node
import { main } from './main.js';

await main(process.argv);
// A finished command ends the process even if a library left a handle open (an idle worker
// pool, a keep-alive socket); long-running commands (schedule) only return when they are done.
// stdout/stderr are synchronous for files and pipes on POSIX, so nothing printed is lost.
process.exit(process.exitCode ?? 0);
