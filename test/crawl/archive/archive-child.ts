/** Child process for the SIGKILL tests: runs the archive stage over argv[3..] into argv[2] (KILN_TEST_TASKS/WORKERS: the split). */
import { runStage } from '../../../core/run-stage.js';
import { archiveCrawlStage } from '../../../crawl/archive/index.js';

const [out, ...files] = process.argv.slice(2);
const tasks = process.env.KILN_TEST_TASKS ? Number(process.env.KILN_TEST_TASKS) : undefined;
const workers = process.env.KILN_TEST_WORKERS ? Number(process.env.KILN_TEST_WORKERS) : 1;
await runStage(archiveCrawlStage, { inputs: files, out, config: { filter: false, commitRecords: 100 }, tasks, workers, quiet: true });
