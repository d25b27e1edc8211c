// A path whose parent refuses new entries with ENOENT (/proc) made Node's recursive mkdir spin at
// 100% CPU forever; kiln's makeDirs and every stage that creates its output must fail at once.
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { makeDirs, makeDirsSync } from '../../core/make-dirs.js';
import { kiln } from '../cli/kiln-process.js';

test('makeDirs creates missing parents, accepts an existing directory and refuses a file', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-mkdirs-'));
  await makeDirs(path.join(root, 'a/b/c'));
  await makeDirs(path.join(root, 'a/b/c'));
  makeDirsSync(path.join(root, 'a/d/e'));
  assert.ok((await fs.stat(path.join(root, 'a/b/c'))).isDirectory());
  assert.ok((await fs.stat(path.join(root, 'a/d/e'))).isDirectory());
  await fs.writeFile(path.join(root, 'f'), 'x');
  await assert.rejects(makeDirs(path.join(root, 'f')), { code: 'KILN_IO' });
  assert.throws(() => makeDirsSync(path.join(root, 'f/g')), { code: 'KILN_IO' });
});

test('an output under /proc is a KILN_IO error at once, not a spin', { skip: !existsSync('/proc/self') && 'no /proc here', timeout: 60_000 }, async () => {
  await assert.rejects(makeDirs('/proc/kiln-no-such/x'), { code: 'KILN_IO' });
  assert.throws(() => makeDirsSync('/proc/kiln-no-such/x'), { code: 'KILN_IO' });
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-proc-'));
  await fs.writeFile(path.join(cwd, 'a.jsonl'), '{"text":"hello world"}\n');
  const r = await kiln(['tokenize', '--in', 'a.jsonl', '--out', '/proc/kiln-no-such'], cwd);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^kiln: KILN_IO: cannot create directory \/proc\/kiln-no-such/m);
});
