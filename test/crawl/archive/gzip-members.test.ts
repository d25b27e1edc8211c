import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readWarcRecords, type WarcRecord } from '../../../crawl/archive/index.js';

const rec = (type: string, body: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from(`WARC/1.0\r\nWARC-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('\r\n\r\n')]);

function chunked(b: Buffer, size = 1 << 16): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

test('a gzip member larger than the fast path is streamed; offsets of the members after it stay exact', async () => {
  const big = randomBytes(6 << 20); // incompressible: a 6 MiB member
  const members = [gzipSync(rec('warcinfo', Buffer.from('x'))), gzipSync(rec('resource', big)), gzipSync(rec('metadata', Buffer.from('after')))];
  const file = Buffer.concat(members);
  const got: WarcRecord[] = [];
  for await (const r of readWarcRecords(chunked(file), 'big.warc.gz')) got.push(r);
  assert.deepEqual(got.map((r) => r.type), ['warcinfo', 'resource', 'metadata']);
  assert.ok(got[1].block && Buffer.from(got[1].block).equals(big));
  assert.deepEqual(got.map((r) => r.offset), [0, members[0].length, members[0].length + members[1].length]);
});

test('a gzip bomb member is streamed and its block skipped, with memory bounded', async () => {
  const bomb = gzipSync(rec('resource', Buffer.alloc(256 << 20)), { level: 9 });
  const file = Buffer.concat([bomb, gzipSync(rec('metadata', Buffer.from('next')))]);
  const before = process.memoryUsage().rss;
  let peak = before;
  const got: WarcRecord[] = [];
  for await (const r of readWarcRecords(chunked(file), 'bomb.warc.gz', { maxBlockBytes: 1 << 20 })) {
    got.push(r);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.deepEqual(got.map((r) => [r.type, r.oversize ?? false]), [['resource', true], ['metadata', false]]);
  assert.ok(peak - before < 160 << 20, `rss grew by ${(peak - before) >> 20} MiB`);
});
