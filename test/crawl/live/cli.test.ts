import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { htmlPage, startFaultServer } from './fault-server.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../cli/bin.js');
const run = promisify(execFile);
const env = { ...process.env, KILN_LOG: 'silent' };

test('kiln crawl --url ... --json crawls a local site; --recrawl revalidates it', async () => {
  const prose = 'A page of the command-line test site, with a full sentence of text in it.';
  const server = await startFaultServer({ '/': htmlPage('Home', [prose], ['/next']), '/next': htmlPage('Next', [prose]) });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-cli-'));
  const seeds = path.join(tmp, 'seeds.txt');
  await fs.writeFile(seeds, `# seeds\n${server.origin}/\n\n`);
  try {
    const args = ['crawl', '--seeds', seeds, '--same-host', '--out', path.join(tmp, 'out'), '--allow-private', '--per-host-delay', '0', '--no-filter', '--warc', '--json'];
    const { stdout } = await run(process.execPath, [bin, ...args], { env });
    const summary = JSON.parse(stdout);
    assert.equal(summary.stage, 'crawl');
    assert.equal(summary.rows, 2);
    assert.equal(summary.stats.kept, 2);
    assert.ok((await fs.readdir(path.join(tmp, 'out', 'warc'))).some((f) => f.endsWith('.warc.gz')));
    const again = JSON.parse((await run(process.execPath, [bin, ...args, '--recrawl'], { env })).stdout);
    assert.equal(again.skipped, false);
    // This run's counts, not the output's totals since its first crawl (which say fetched 4, kept 2).
    assert.equal(again.stats.fetched, 2);
    assert.equal(again.stats.kept ?? 0, 0, 'unchanged pages are not kept again');
    assert.equal(again.rows, 2, 'unchanged pages add no rows');
    assert.equal(again.stats.unchanged, 2, 'pages without validators are refetched and compared by content');
  } finally {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

test('kiln crawl without sources is a usage error (exit 2)', async () => {
  await assert.rejects(run(process.execPath, [bin, 'crawl', '--out', path.join(os.tmpdir(), 'kiln-none')], { env }), (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr ?? '', /KILN_USAGE/);
    return true;
  });
});
