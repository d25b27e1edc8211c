import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BYTE_SIZE_HELP, parseByteSize } from '../../core/byte-size.js';
import { kilnBin } from '../core/project-paths.js';

// Run from a scratch directory with relative paths, as a user does.
const cwd = mkdtempSync(path.join(os.tmpdir(), 'kiln-usage-'));
const kiln = (...args: string[]) => spawnSync(process.execPath, [kilnBin, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });

/** Asserts one `kiln: KILN_USAGE: ...` line on stderr (no help dump) and exit 2. */
function assertUsage(r: ReturnType<typeof kiln>, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^kiln: KILN_USAGE: /);
  assert.match(lines[0], pattern);
}

test('commander errors are one KILN_USAGE line and exit 2', () => {
  assertUsage(kiln('crawl', '--url', 'http://example.com/'), /required option '--out <dir>'/);
  assertUsage(kiln('crawl', '--out', 'x', '--bogus'), /unknown option '--bogus'/);
  assertUsage(kiln('dedupe', '--in'), /--in <dirs\.\.\.>' argument missing/);
  assertUsage(kiln('nosuch'), /unknown command 'nosuch'/);
});

test('bad values are exit 2 across commands', () => {
  assertUsage(kiln('dedupe', '--in', 'a', '--out', 'b', '--memory', 'lots'), /--memory/);
  assertUsage(kiln('shard', '--in', 'a', '--out', 'b', '--seq-len', '8', '--shard-size', '12XB'), /--shard-size/);
  assertUsage(kiln('tokenize', '--in', 'a', '--out', 'b', '--part-mb', '0'), /--part-mb/);
  assertUsage(kiln('inspect', 'a', '--samples', 'many'), /--samples/);
  assertUsage(kiln('run', 'p.yaml', '--executor', 'k8s'), /--executor/);
  // A command that reads local files only says so for s3://, rather than "file not found".
  assertUsage(kiln('extract', 's3://bucket/page.html'), /s3:\/\/bucket\/page\.html: s3:\/\/ is not supported here/);
});

test('crawl refuses options its mode cannot honour, and validates --extractor/--languages', () => {
  assertUsage(kiln('crawl', '--warc', 'a.warc.gz', '--out', 'o', '--max-depth', '2'), /--max-depth only apply to live crawls/);
  assertUsage(kiln('crawl', '--warc', 'a.warc.gz', '--out', 'o', '--max-pages', '3'), /--max-pages .*--max-files/);
  assertUsage(kiln('crawl', '--warc', 'a.warc.gz', '--out', 'o', '--extractor', 'fancy'), /--extractor must be one of main, plain/);
  assertUsage(kiln('crawl', '--url', 'http://example.com/', '--out', 'o', '--max-files', '2'), /--max-files only apply to archives/);
  assertUsage(kiln('crawl', '--url', 'http://example.com/', '--out', 'o', '--languages', 'english'), /--languages/);
});

test('a private seed without --allow-private is refused with the flag to use', () => {
  assertUsage(kiln('crawl', '--url', 'http://127.0.0.1:9/', '--out', 'o'), /--allow-private/);
  assertUsage(kiln('crawl', '--url', 'http://localhost:9/', '--out', 'o'), /--allow-private/);
});

test('--help says PII is replaced by default and how to keep it', () => {
  const r = kiln('crawl', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout.replace(/\s+/g, ' '), /--no-pii keep e-mail and IP addresses as they are \(by default they are replaced/);
});

test('sizes have one binary meaning', () => {
  assert.equal(parseByteSize('1G'), 1024 ** 3);
  assert.equal(parseByteSize('1GB'), 1024 ** 3);
  assert.equal(parseByteSize('1GiB'), 1024 ** 3);
  assert.equal(parseByteSize('512M'), 512 * 1024 ** 2);
  assert.equal(parseByteSize('64k'), 64 * 1024);
  assert.equal(parseByteSize('4096'), 4096);
  assert.equal(parseByteSize('4', 'M'), 4 * 1024 ** 2);
  assert.equal(parseByteSize('lots'), undefined);
  assert.equal(parseByteSize('1XB'), undefined);
});

test('--help gives every <size> option the one binary meaning', () => {
  // dedupe read 1G as 10^9 and shard as 1024^3 before one parser; the help is where users learn which.
  const top = kiln('--help');
  assert.equal(top.status, 0, top.stderr);
  const commands = [...top.stdout.split('Commands:')[1].matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
  const seen: string[] = [];
  for (const command of [...commands, 'tokenizer train']) {
    const r = kiln(...command.split(' '), '--help');
    assert.equal(r.status, 0, `${command} --help: ${r.stderr}`);
    // One entry per option: its flag line plus the indented continuation lines.
    const entries = r.stdout.split(/\n(?= {2}-)/).map((e) => e.replace(/\s+/g, ' '));
    for (const entry of entries.filter((e) => /^ ?-[^ ]*.*?<size>/.test(e.trim()) || / --[\w-]+ <size>/.test(e))) {
      const flag = /--[\w-]+/.exec(entry)![0];
      seen.push(`${command} ${flag}`);
      assert.ok(entry.includes(BYTE_SIZE_HELP), `${command} ${flag}: help does not say ${BYTE_SIZE_HELP}: ${entry}`);
    }
  }
  for (const must of ['dedupe --memory', 'shard --shard-size', 'shard --memory', 'tokenize --part-mb']) assert.ok(seen.includes(must), `${must} not found among ${seen.join(', ')}`);
});

test('what has no object-storage path yet refuses s3:// instead of writing a local folder named s3:', async () => {
  const { existsSync, mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(path.join(cwd, 'docs'), { recursive: true });
  writeFileSync(path.join(cwd, 'docs', 'a.jsonl'), '{"text":"a document"}\n');
  // A card is one local HTML file: its --out is refused by the one guard (core/storage/s3-location.ts).
  assertUsage(kiln('card', 'docs', '--out', 's3://corpus/card.html'), /s3:\/\/corpus\/card\.html: s3:\/\/ is not supported here yet/);
  assert.equal(existsSync(path.join(cwd, 's3:')), false);
  // Incremental generations and Slurm jobs need the workdir on a filesystem.
  const pipelines: [string, string, RegExp][] = [
    ['incremental', 'incremental: true\n', /not supported for incremental pipelines yet/],
    ['slurm', 'executor: slurm\n', /not supported on Slurm yet/],
  ];
  for (const [name, extra, message] of pipelines) {
    writeFileSync(path.join(cwd, `s3-${name}.yaml`), `name: p\nworkdir: s3://corpus/work\n${extra}stages:\n  tokenize:\n    tokenizer: gpt2\n`);
    const r = kiln('run', `s3-${name}.yaml`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, message);
  }
  assert.equal(existsSync(path.join(cwd, 's3:')), false);
});
