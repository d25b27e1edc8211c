import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { KilnError } from '../../../core/errors.js';
import { readWarcRecords, recordText } from '../../../crawl/archive/index.js';

const record = (type: string, body: string, extra = ''): Buffer =>
  Buffer.from(`WARC/1.0\r\nWARC-Type: ${type}\r\nWARC-Record-ID: <urn:x>\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}\r\n\r\n`);

const http = (body: string, headers = 'Content-Type: text/html'): string => `HTTP/1.1 200 OK\r\n${headers}\r\n\r\n${body}`;

/** A small valid WARC (mixed record types, chunked + gzip HTTP bodies) in three framings. */
function sampleFiles(): Buffer[] {
  const recs = [
    record('warcinfo', 'software: test\r\n'),
    record('response', http('<html><body><p>One paragraph of text, long enough to count.</p></body></html>'), 'Content-Type: application/http; msgtype=response\r\n'),
    record('response', http('5\r\nhello\r\n0\r\n\r\n', 'Content-Type: text/html\r\nTransfer-Encoding: chunked'), 'Content-Type: application/http; msgtype=response\r\n'),
    record('conversion', 'plain text from a WET file'),
    record('revisit', ''),
  ];
  return [Buffer.concat(recs), Buffer.concat(recs.map((r) => gzipSync(r))), gzipSync(Buffer.concat(recs))];
}

/** Reads everything; returns the number of records, or the KilnError it ended with. Any other throw fails the property. */
async function readAll(bytes: Uint8Array, chunk: number): Promise<number | KilnError> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  let n = 0;
  try {
    for await (const r of readWarcRecords(chunks, 'fuzz.warc', { maxBlockBytes: 1 << 20 })) {
      n++;
      recordText(r, 1 << 20);
    }
    return n;
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw e;
  }
}

test('fuzz: random bytes end cleanly (records or one KilnError)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 1, max: 512 }), async (bytes, chunk) => {
      const r = await readAll(bytes, chunk);
      assert.ok(typeof r === 'number' || r instanceof KilnError);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: mutated, truncated and spliced WARC files never crash or hang', async () => {
  const files = sampleFiles();
  for (const f of files) assert.equal(await readAll(f, 1000), 5);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...files),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.option(fc.nat()),
      fc.integer({ min: 1, max: 700 }),
      async (file, flips, cutAt, chunk) => {
        const b = Buffer.from(file);
        for (const [i, v] of flips) b[i % b.length] = v;
        const bytes = cutAt === null ? b : b.subarray(0, cutAt % b.length);
        const started = Date.now();
        const r = await readAll(bytes, chunk);
        assert.ok(typeof r === 'number' || r instanceof KilnError);
        assert.ok(Date.now() - started < 5000, 'no hang');
      },
    ),
    { numRuns: 400 },
  );
});

test('fuzz: huge declared lengths and gzip bombs stay within memory bounds', async () => {
  const before = process.memoryUsage().rss;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 2 << 20, max: 2 ** 40 }), async (len) => {
      const head = Buffer.from(`WARC/1.0\r\nWARC-Type: response\r\nContent-Length: ${len}\r\n\r\n`);
      const r = await readAll(Buffer.concat([head, Buffer.alloc(4096, 120)]), 1024);
      assert.ok(r instanceof KilnError);
    }),
    { numRuns: 50 },
  );
  // A 64 MiB run of zeros in one HTTP gzip body: decoded output is capped, not allocated.
  const bomb = gzipSync(Buffer.alloc(64 << 20));
  const rec = Buffer.concat([
    Buffer.from(`WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${bomb.length + 67}\r\n\r\n`),
    Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n'),
    bomb,
    Buffer.from('\r\n\r\n'),
  ]);
  let seen = 0;
  for await (const r of readWarcRecords([rec], 'bomb.warc')) {
    seen++;
    assert.deepEqual(recordText(r, 1 << 20), { skip: 'payload_too_large' });
  }
  assert.equal(seen, 1);
  assert.ok(process.memoryUsage().rss - before < 256 << 20, 'memory stayed bounded');
});
