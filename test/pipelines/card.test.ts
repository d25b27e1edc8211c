// The dataset card of the quickstart pipeline, as a user gets it: `kiln quickstart`, then
// `kiln card` with relative paths from the working directory. Its numbers are checked against
// DuckDB queries over the datasets themselves, and both card.html and the quickstart's
// report.html are opened in a real headless browser (Debian's chromium), which must draw every
// histogram with data and raise no script error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { CountedKey, DatasetCard, StageCard } from '../../pipelines/card/index.js';
import type { HistogramBin } from '../../core/log-histogram.js';
import { kiln } from '../cli/kiln-process.js';

// Under CI (.ci/run installs chromium) a missing browser is a broken setup, not a reason to skip.
const BROWSER_REQUIRED = process.env.CI === 'true' || process.env.KILN_TEST_BROWSER === '1';

/** The chromium binary, or undefined when none is installed. */
function chromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** The DOM of `file` after its scripts ran (virtual time lets the page settle without waiting). */
function dumpDom(browser: string, file: string): string {
  const r = spawnSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=5000', '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `chromium --dump-dom ${file} exited ${r.status ?? r.signal}: ${(r.stderr ?? '').slice(-500)}`);
  return r.stdout;
}

/** Every histogram the card holds, in page order. */
function histograms(card: DatasetCard): { stage: string; what: string; bins: HistogramBin[] }[] {
  return card.stages.flatMap((s) => [
    ...(s.doc_length ? [{ stage: s.name, what: 'doc', bins: s.doc_length.bins }] : []),
    ...(s.token_length ? [{ stage: s.name, what: 'tok', bins: s.token_length.bins }] : []),
    ...(s.clusters?.sizes ? [{ stage: s.name, what: 'clusters', bins: s.clusters.sizes }] : []),
  ]);
}

/** The page drew every chart of the card with data and recorded no script error. */
function checkDrawn(dom: string, card: DatasetCard, page: string): void {
  const errors = /<pre id="card-errors" data-errors="(\d+)">([^<]*)<\/pre>/.exec(dom);
  assert.ok(errors, `${page}: no #card-errors element (the card section is missing)`);
  assert.equal(errors[1], '0', `${page}: script errors: ${errors[2]}`);
  const section = /<section id="dataset-card" data-charts="(\d+)"(?: data-drawn="(\d+)")?>/.exec(dom);
  const expected = histograms(card);
  assert.ok(section, `${page}: no dataset card section`);
  assert.equal(Number(section[1]), expected.length, `${page}: charts on the page`);
  assert.equal(section[2], String(expected.length), `${page}: the chart script did not finish`);
  const charts = [...dom.matchAll(/<div class="chart" id="card-chart-\d+-(\w+)"[^>]*?(?: data-points="(\d+)")?>/g)];
  assert.equal(charts.length, expected.length, `${page}: chart elements`);
  for (const [i, c] of charts.entries()) {
    const nonEmpty = expected[i].bins.filter((b) => b.count > 0).length;
    assert.ok(nonEmpty > 0, `${expected[i].stage} ${expected[i].what}: histogram without data`);
    assert.equal(Number(c[2] ?? 0), nonEmpty, `${page}: chart ${c[1]} of ${expected[i].stage} drew ${c[2] ?? 'nothing'}, the card has ${nonEmpty} non-empty bins`);
    assert.ok(/<canvas/.test(dom), `${page}: no canvas`);
  }
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

async function withDuckDb(fn: (q: Query) => Promise<void>): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await fn(async (sql) => (await conn.runAndReadAll(sql)).getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const parts = (dir: string) => `read_parquet('${path.join(dir, '*.parquet').replaceAll("'", "''")}')`;
// The card's power-of-two bin of a length, in SQL: 0 for 0, else its bit length.
const bin = (x: string) => `CASE WHEN ${x} = 0 THEN 0 ELSE floor(log2(${x}))::INTEGER + 1 END`;

/** Bins as the card writes them, from (bin, count) rows, for the range the card covers. */
function binsOf(rows: Record<string, unknown>[]): HistogramBin[] {
  const counts = new Map(rows.map((r) => [Number(r.b), Number(r.n)]));
  const ks = [...counts.keys()];
  const out: HistogramBin[] = [];
  for (let k = Math.min(...ks); k <= Math.max(...ks); k++) out.push({ from: k === 0 ? 0 : 2 ** (k - 1), to: k === 0 ? 0 : 2 ** k - 1, count: counts.get(k) ?? 0 });
  return out;
}

function counts(rows: Record<string, unknown>[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [String(r.k), Number(r.n)]));
}

function topCounts(top: CountedKey[]): Record<string, number> {
  return Object.fromEntries(top.map((c) => [c.key, c.count]));
}

function stage(card: DatasetCard, name: string): StageCard {
  const s = card.stages.find((x) => x.name === name);
  assert.ok(s, `card has no stage ${name}: ${card.stages.map((x) => x.name).join(', ')}`);
  return s;
}

async function checkAgainstDuckDb(card: DatasetCard, cwd: string): Promise<void> {
  await withDuckDb(async (q) => {
    for (const name of ['crawl', 'dedupe']) {
      const s = stage(card, name);
      const src = parts(s.dir);
      const [tot] = await q(`SELECT count(*)::INTEGER AS n, sum(strlen(text))::BIGINT AS b FROM ${src}`);
      assert.deepEqual([s.kind, s.documents, s.text_bytes], ['documents', tot.n, tot.b], `${name}: documents and text bytes`);
      assert.deepEqual(s.doc_length!.bins, binsOf(await q(`SELECT ${bin('strlen(text)')} AS b, count(*) AS n FROM ${src} GROUP BY 1`)), `${name}: document-length histogram`);
      assert.deepEqual(topCounts(s.languages!.top), counts(await q(`SELECT coalesce(nullif(lang, ''), '(none)') AS k, count(*) AS n FROM ${src} GROUP BY 1`)), `${name}: languages`);
      const host = `lower(regexp_extract(url, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/:?#]*)', 1))`;
      assert.deepEqual(topCounts(s.domains!.top), counts(await q(`SELECT ${host} AS k, count(*) AS n FROM ${src} GROUP BY 1`)), `${name}: domains`);
      assert.ok(s.languages!.exact && s.domains!.exact, `${name}: the counters held every value`);
    }
    // Every document crawl kept and dedupe did not is counted under one dedupe reason.
    const crawl = stage(card, 'crawl');
    const dedupe = stage(card, 'dedupe');
    const [gone] = await q(`SELECT count(*)::INTEGER AS n FROM ${parts(crawl.dir)} WHERE id NOT IN (SELECT id FROM ${parts(dedupe.dir)})`);
    assert.equal((dedupe.dropped.exact ?? 0) + (dedupe.dropped.near ?? 0), Number(gone.n), 'dedupe: dropped exact + near = documents crawl had and dedupe has not');
    assert.ok(Number(gone.n) > 0, 'the demo site has duplicates, so dedupe must drop some');
    assert.ok(Object.keys(crawl.dropped).length > 0, 'crawl: its filter reasons are listed');

    const tok = stage(card, 'tokenize');
    const [t] = await q(`SELECT count(*)::INTEGER AS n, sum(len(tokens))::BIGINT AS t FROM ${parts(tok.dir)}`);
    assert.deepEqual([tok.kind, tok.documents, tok.tokens], ['tokens', t.n, t.t], 'tokenize: documents and tokens');
    assert.deepEqual(tok.token_length!.bins, binsOf(await q(`SELECT ${bin('len(tokens)')} AS b, count(*) AS n FROM ${parts(tok.dir)} GROUP BY 1`)), 'tokenize: token-length histogram');

    // Shards: one input of weight 1, so the mixture holds each document's tokens once.
    const sh = stage(card, 'shard');
    const index = JSON.parse(await fs.readFile(path.join(sh.dir, 'index.json'), 'utf8')) as { splits: Record<'train' | 'val', { tokens: number; documents: number }> };
    assert.deepEqual([sh.shards!.splits.train.tokens, sh.shards!.splits.val.tokens], [index.splits.train.tokens, index.splits.val.tokens], 'shard: train/val tokens');
    const mix = sh.shards!.mixture!;
    assert.equal(mix.length, 1, `shard: one mixture component (${sh.shards!.mixture_note ?? ''})`);
    assert.deepEqual([mix[0].weight, mix[0].realised_weight, mix[0].input_tokens, mix[0].tokens_train + mix[0].tokens_val], [1, 1, t.t, t.t], 'shard: realised mixture');
    assert.ok(mix[0].tokens_val > 0 && mix[0].tokens_train > mix[0].tokens_val, 'shard: both splits have tokens');

    // Duplicate-cluster sizes: against `kiln dedupe --clusters` of the same input and config.
    const r = await kiln(['dedupe', '--in', path.relative(cwd, crawl.dir), '--out', 'dd', '--clusters', 'clusters', '--threshold', '0.8'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const sizes = await q(`SELECT ${bin('n')} AS b, count(*) AS n FROM (SELECT cluster, count(*) AS n FROM ${parts(path.join(cwd, 'clusters'))} GROUP BY cluster) GROUP BY 1`);
    assert.ok(sizes.length > 0, 'the demo site has duplicate clusters');
    assert.deepEqual(dedupe.clusters!.sizes, binsOf(sizes), 'dedupe: duplicate-cluster sizes');
  });
}

test('kiln card of the quickstart pipeline: numbers equal DuckDB over the datasets; chromium draws every histogram without a script error', { timeout: 600_000 }, async (t: TestContext) => {
  const browser = chromium();
  if (!browser && BROWSER_REQUIRED) assert.fail('chromium is not installed, and CI=true / KILN_TEST_BROWSER=1 says this run must open the card in it (apt-get install -y --no-install-recommends chromium)');
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-card-'));
  const qs = await kiln(['quickstart', '--dir', 'qs', '--steps', '1'], cwd);
  assert.equal(qs.code, 0, qs.stderr.slice(-2000));
  const made = await kiln(['card', 'qs', '--out', 'cards/card.html'], cwd);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /card: .*cards\/card\.html/);
  const card = JSON.parse(await fs.readFile(path.join(cwd, 'cards/card.json'), 'utf8')) as DatasetCard;
  assert.deepEqual(card.stages.map((s) => s.name), ['crawl', 'dedupe', 'tokenize', 'shard'], 'the workdir stands for its stages, in order');
  await checkAgainstDuckDb(card, cwd);

  // The quickstart's report.html carries the same card (its own card.json beside it).
  const reportCard = JSON.parse(await fs.readFile(path.join(cwd, 'qs/card.json'), 'utf8')) as DatasetCard;
  assert.deepEqual(reportCard.stages, card.stages, 'report.html and kiln card give the same numbers');

  if (!browser) {
    t.skip('chromium not installed: the browser half is skipped (apt-get install -y --no-install-recommends chromium; CI=true or KILN_TEST_BROWSER=1 makes this a failure)');
    return;
  }
  checkDrawn(dumpDom(browser, path.join(cwd, 'cards/card.html')), card, 'card.html');
  checkDrawn(dumpDom(browser, path.join(cwd, 'qs/report.html')), reportCard, 'report.html');
});

test('kiln card refuses what is not a dataset, shards or a pipeline workdir, and a non-HTML --out', async () => {
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-card-bad-'));
  await fs.mkdir(path.join(cwd, 'plain'));
  const notData = await kiln(['card', 'plain', '--out', 'c.html'], cwd);
  assert.equal(notData.code, 2, notData.stderr);
  assert.match(notData.stderr, /^kiln: KILN_USAGE: plain is not a kiln dataset/m);
  const missing = await kiln(['card', 'nope', '--out', 'c.html'], cwd);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope does not exist/);
  const notHtml = await kiln(['card', 'plain', '--out', 'c.json'], cwd);
  assert.equal(notHtml.code, 2);
  assert.match(notHtml.stderr, /name it \*\.html/);
});
