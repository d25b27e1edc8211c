/** Child process for the SIGKILL test: runs the archive stage over argv[3..] into argv[2]. */
import { runStage } from '../../../core/run-stage.js';
import { archiveCrawlStage } from '../../../crawl/archive/index.js';

const [out, ...files] = process.argv.slice(2);
await runStage(archiveCrawlStage, { inputs: files, out, config: { filter: false, commitRecords: 100 }, workers: 1, quiet: true });
