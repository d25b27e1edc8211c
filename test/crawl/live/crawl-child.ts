// Child process for the SIGKILL test: runs a live crawl of argv[2] (origin) into argv[3] (out).
// Does nothing unless KILN_CRAWL_CHILD=1, so a test runner that imports it is unaffected.
import { runStage } from '../../../core/run-stage.js';
import { liveCrawlStage } from '../../../crawl/live/live-crawl-stage.js';
import { resumeConfig } from './resume-site.js';

if (process.env.KILN_CRAWL_CHILD === '1') {
  process.env.KILN_LOG = 'silent';
  const [origin, out] = process.argv.slice(2);
  await runStage(liveCrawlStage, { out, config: resumeConfig(origin) });
  process.stdout.write('finished\n');
}
