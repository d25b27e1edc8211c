// The quickstart: serve the demo site, run quickstart.yaml against it with whatever built-in
// stages this checkout has, and sum it up. `kiln quickstart` and `npm start` call this.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { readJsonIfExists, writeFileAtomic } from '../../core/atomic-file.js';
import { buildCard, renderCardSection } from '../card/index.js';
import type { Logger } from '../../core/log.js';
import { runPipeline } from '../runner.js';
import { builtinRegistry } from '../stage-registry.js';
import { docsOutCell, type StageReport } from '../stage-report.js';
import { readMetrics, writeReport, type ReportTable } from '../../train/index.js';
import { startDemoSite, type DemoSite } from './demo-site.js';
import { makeDirs } from '../../core/make-dirs.js';

/** The pipeline file the quickstart runs (in the source tree: it ships beside the code). */
export const QUICKSTART_YAML = fileURLToPath(new URL('../../../pipelines/examples/quickstart.yaml', import.meta.url));

/** Port tried first, so that a second quickstart finds the same site URL in its config and skips. */
const PREFERRED_PORT = 18_765;

/** Options of runQuickstart. */
export interface QuickstartOptions {
  /** Working directory (pipeline file, stage outputs, report). */
  dir: string;
  /** Training steps (default: the file's). */
  steps?: number;
  signal?: AbortSignal;
  log?: Logger;
  quiet?: boolean;
}

/** What the quickstart did. */
export interface QuickstartResult {
  dir: string;
  pipelineFile: string;
  site: string;
  /** Stages the file names that this checkout lacks (skipped, the rest still ran). */
  missing: string[];
  reports: StageReport[];
  /** The training report (loss curve, dataset statistics), when the train stage ran. */
  report?: string;
  seconds: number;
}

async function serve(dir: string): Promise<{ site: DemoSite; changedPort: boolean }> {
  const previous = await readJsonIfExists<{ port: number }>(path.join(dir, 'site.json'));
  const wanted = previous?.port ?? PREFERRED_PORT;
  let site: DemoSite;
  try {
    site = await startDemoSite({ port: wanted });
  } catch {
    site = await startDemoSite({ port: 0 }); // taken: any free port (the crawl then starts afresh)
  }
  await fs.writeFile(path.join(dir, 'site.json'), JSON.stringify({ port: site.port }));
  return { site, changedPort: previous !== undefined && previous.port !== site.port };
}

/** The dataset statistics of every stage: what came in, what went out, and why documents were dropped. */
function datasetTable(reports: StageReport[]): ReportTable {
  const rows = reports.map((r) => {
    const dropped = Object.entries(r.stats)
      .filter(([k, v]) => k.startsWith('dropped_') && v > 0)
      .map(([k, v]) => `${k.slice('dropped_'.length)} ${v}`)
      .join(', ');
    return [r.key, r.status, r.docsIn ?? '-', docsOutCell(r), r.tokens ?? '-', r.bytes, dropped || '-'];
  });
  return { title: 'Dataset', header: ['stage', 'status', 'docs in', 'docs out', 'tokens', 'bytes', 'dropped (reason count)'], rows };
}

/**
 * Writes `dir/report.html`: the dataset statistics, the training run's loss and throughput
 * curves and the dataset card of the run (its card.json beside the report).
 */
async function writeQuickstartReport(dir: string, reports: StageReport[]): Promise<string | undefined> {
  const train = reports.find((r) => r.stage === 'train');
  const metrics = train?.extra?.metrics;
  if (typeof metrics !== 'string') return typeof train?.extra?.report === 'string' ? train.extra.report : undefined;
  const summary = Object.fromEntries(Object.entries(train!.extra!).filter(([, v]) => typeof v !== 'object'));
  const file = path.join(dir, 'report.html');
  const card = await buildCard([dir]);
  await writeFileAtomic(path.join(dir, 'card.json'), JSON.stringify(card, null, 1) + '\n');
  await writeReport(file, 'kiln quickstart', summary, await readMetrics(metrics), [datasetTable(reports)], [renderCardSection(card)]);
  return file;
}

/** Serves the demo site and runs the quickstart pipeline in `dir`; a second call skips what is done. */
export async function runQuickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const started = Date.now();
  const dir = path.resolve(options.dir);
  await makeDirs(dir);
  const { site, changedPort } = await serve(dir);
  try {
    const doc = parse(await fs.readFile(QUICKSTART_YAML, 'utf8')) as { workdir: string; stages: Record<string, Record<string, unknown> | null> };
    const registry = await builtinRegistry();
    const missing = Object.keys(doc.stages).filter((name) => !registry.has(name));
    for (const name of missing) delete doc.stages[name];
    const crawl = doc.stages.crawl;
    if (crawl) {
      crawl.urls = (crawl.urls as string[]).map((u) => u.replace('{{site}}', site.url));
      crawl.sitemaps = (crawl.sitemaps as string[]).map((u) => u.replace('{{site}}', site.url));
    }
    if (options.steps !== undefined && doc.stages.train) doc.stages.train.steps = options.steps;
    doc.workdir = '.';
    const pipelineFile = path.join(dir, 'pipeline.yaml');
    await fs.writeFile(pipelineFile, `# written by kiln quickstart from ${QUICKSTART_YAML}\n${stringify(doc)}`);
    const result = await runPipeline(pipelineFile, { registry, signal: options.signal, log: options.log, quiet: options.quiet, overwrite: changedPort, wait: true });
    const report = await writeQuickstartReport(dir, result.reports);
    return { dir, pipelineFile, site: site.url, missing, reports: result.reports, report, seconds: (Date.now() - started) / 1000 };
  } finally {
    await site.close();
  }
}
