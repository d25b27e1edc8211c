import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../../core/input-files.js';
import { startFaultServer } from '../crawl/live/fault-server.js';
import { resumeSite } from '../crawl/live/resume-site.js';
import { chaos } from './chaos-harness.js';

const child = fileURLToPath(new URL('../crawl/live/crawl-child.js', import.meta.url));

test('a live crawl survives 10 SIGKILLs: every page stored exactly once', { timeout: 600_000 }, async () => {
  const { routes, paths } = resumeSite(150, 30);
  const server = await startFaultServer(routes);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-live-'));
  const out = path.join(dir, 'out');
  try {
    const r = await chaos({
      args: [child, server.origin, out],
      env: { KILN_CRAWL_CHILD: '1' },
      out,
      kills: 10,
      delays: { minMs: 400, maxMs: 2500 },
      seed: 12,
      check: async () => {
        const urls: string[] = [];
        for await (const d of readDocuments([out])) urls.push(new URL(String(d.url)).pathname);
        assert.equal(urls.length, new Set(urls).size, 'no page stored twice');
        assert.deepEqual(urls.sort(), [...paths].sort(), 'no page lost');
      },
    });
    assert.equal(r.kills, 10);
    process.stdout.write(`# live crawl chaos: ${r.kills} kills, ${r.completions} checked completions\n`);
  } finally {
    await server.close();
  }
});
