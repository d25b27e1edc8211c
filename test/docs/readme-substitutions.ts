// Everything the README test does differently from a user who copies the README's commands, in
// one place. Each row says why; a README edit that needs a new row should make the README
// runnable instead. Nothing else is changed: commands run as written, in order, in one temporary
// working directory, with relative paths.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { projectRoot, sharedData } from '../core/project-paths.js';

/** A command as the test runs it. */
export interface PreparedCommand {
  /** What bash runs (after the rows below). */
  run: string;
  /** Set when the command is not run: the reason, printed with the skip. */
  skip?: string;
  /** `kiln schedule`: stopped with SIGTERM once its first run has ended. */
  schedule?: boolean;
}

interface CommandRow {
  match: RegExp;
  why: string;
  /** The replacement (`$&` etc. as in String.replace); undefined = not run. */
  replace?: (site: string) => string;
}

/** Training steps the README's train commands run with here (CPU, CI budget). */
export const TEST_STEPS = 2;

/** The command rows, applied in order to every command line. */
export const COMMAND_ROWS: CommandRow[] = [
  { match: /^npm ci$/, why: 'the checkout under test is installed already (.ci/run runs npm ci before npm test); installing needs the network' },
  { match: /^npm link$/, why: 'writes the global npm prefix; the test puts a `kiln` shim for dist/cli/bin.js on PATH instead' },
  { match: /^npm test$/, why: 'this test is part of npm test' },
  // `npm start` is `node dist/cli/bin.js quickstart` in the checkout; here it runs in the temp dir.
  { match: /^npm start$/, why: 'quickstart in the temp dir', replace: () => `kiln quickstart --steps ${TEST_STEPS}` },
  // A live site a user names: the built-in demo site, which listens on 127.0.0.1 and needs no politeness delay.
  { match: /https:\/\/example\.org\/?/g, why: 'live crawl of the demo site', replace: (site) => `${site}/ --allow-private --per-host-delay 0` },
  { match: /--steps \d+/g, why: 'training length on a CPU in CI', replace: () => `--steps ${TEST_STEPS}` },
];

/** Applies the command rows to one README command. */
export function prepareCommand(command: string, site: string): PreparedCommand {
  let run = command;
  for (const row of COMMAND_ROWS) {
    if (!row.match.test(run)) continue;
    row.match.lastIndex = 0;
    if (!row.replace) return { run, skip: row.why };
    run = run.replace(row.match, row.replace(site));
  }
  // `kiln schedule` runs until stopped: its first tick 8 s from now instead of the file's cron
  // (the next one a minute later, so none starts before the SIGTERM after the first run).
  if (/^kiln schedule /.test(run)) return { run: `${run} --cron "${(new Date().getSeconds() + 8) % 60} * * * * *"`, schedule: true };
  return { run };
}

/** A shared data file the README's file name stands for. */
const INPUT_FILES: Record<string, string> = {
  // A WARC file a user has (a Common Crawl WARC, their own crawl's): a real 48-record Wget crawl.
  'crawl.warc.gz': 'warc/dolma/sample-0000.warc.gz',
  // An evaluation set a user has, as plain text (one item per line): tiny-shakespeare.
  'eval.txt': 'text/tinyshakespeare.txt',
  // A saved HTML page.
  'page.html.gz': 'extraction/scrapinghub/html/b3c19dd5f0612d098788fa5173e491b3280da6226b492f8fe110f4ab1896cca8.html.gz',
};

/** Files a paths list names (two real WET excerpts and a WARC, as a list may name either; a user's names data.commoncrawl.org paths). */
const WET_FILES = ['warc/cc_net/sample.warc.wet', 'warc/commoncrawl-whirlwind/whirlwind.warc.wet.gz', 'warc/ukwa/BL-20140325121225068-00000-32090~opera~8443.warc.gz'];

/** The Common Crawl paths list common-crawl.yaml fetches; here the local `wet.paths` list. */
const CC_PATHS_URL = /^https:\/\/data\.commoncrawl\.org\/.*paths\.gz$/;

/**
 * Makes `dir` what a user's checkout holds when they reach the README's commands: the input files
 * above (links into the shared data), `wet.paths` (a paths list), a copy of pipelines/examples/
 * (the commands name them; common-crawl.yaml reads `wet.paths` instead of downloading Common
 * Crawl's list, site-crawl-cron.yaml crawls the demo site), `dist/` (linked: the custom-stage
 * example loads its compiled stage from there), and node_modules/kiln + zod (linked, as
 * `npm install kiln zod` makes them, for the TypeScript example).
 */
export async function prepareWorkspace(dir: string, site: string): Promise<void> {
  for (const [name, file] of Object.entries(INPUT_FILES)) await fs.symlink(path.join(sharedData, file), path.join(dir, name));
  await fs.writeFile(path.join(dir, 'wet.paths'), WET_FILES.map((f) => path.join(sharedData, f)).join('\n') + '\n');
  await fs.symlink(path.join(projectRoot, 'dist'), path.join(dir, 'dist'));
  await fs.mkdir(path.join(dir, 'node_modules'));
  await fs.symlink(projectRoot, path.join(dir, 'node_modules/kiln'));
  await fs.symlink(path.join(projectRoot, 'node_modules/zod'), path.join(dir, 'node_modules/zod'));

  const examples = path.join(dir, 'pipelines/examples');
  await fs.cp(path.join(projectRoot, 'pipelines/examples'), examples, { recursive: true });
  await editYaml(path.join(examples, 'common-crawl.yaml'), (doc) => {
    const crawl = doc.stages.crawl;
    crawl.warcLists = (crawl.warcLists as string[]).map((u) => (CC_PATHS_URL.test(u) ? '../../wet.paths' : u));
  });
  await editYaml(path.join(examples, 'site-crawl-cron.yaml'), (doc) => {
    const crawl = doc.stages.crawl;
    crawl.urls = [`${site}/`];
    crawl.sitemaps = [`${site}/sitemap.xml`];
    Object.assign(crawl, { allowPrivate: true, perHostDelayMs: 0 });
  });
}

type PipelineDoc = { stages: Record<string, Record<string, unknown>> };

async function editYaml(file: string, edit: (doc: PipelineDoc) => void): Promise<void> {
  const doc = parse(await fs.readFile(file, 'utf8')) as PipelineDoc;
  edit(doc);
  await fs.writeFile(file, stringify(doc));
}
