import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { WARCParser } from 'warcio';
import { readWarcRecords, recordText, WarcTruncatedError, WarcCorruptError, type WarcRecord } from '../../../crawl/archive/index.js';
import { requireSharedData } from '../../core/project-paths.js';

// Record counts by type as listed in ../shared/data/README.md (the data's own documentation).
const README_COUNTS: Record<string, Record<string, number>> = {
  'commoncrawl-whirlwind/whirlwind.warc.gz': { warcinfo: 1, request: 1, response: 1, metadata: 1 },
  'commoncrawl-whirlwind/whirlwind.warc.wet.gz': { warcinfo: 1, conversion: 1 },
  'commoncrawl-whirlwind/whirlwind.warc.wat.gz': { warcinfo: 1, metadata: 1 },
  'resiliparse/warcfile.warc.gz': { warcinfo: 1, request: 17, response: 16, metadata: 16 },
  'dolma/sample-0000.warc.gz': { warcinfo: 1, request: 22, response: 22, resource: 2, metadata: 1 },
  'pywb/iana.warc.gz': { warcinfo: 1, request: 171, response: 48, revisit: 123 },
  'ukwa/BL-20140325121225068-00000-32090~opera~8443.warc.gz': { warcinfo: 1, request: 62, response: 65, metadata: 62 },
  'ukwa/IAH-urls-wget.warc.gz': { warcinfo: 1, request: 16, response: 16, resource: 3 },
  'ukwa/transfer_compression_gzip.warc.gz': { warcinfo: 1, request: 1, response: 1, metadata: 1, resource: 1 },
  'copycat/clueweb12-0000tw-00.warc.gz': { warcinfo: 1, response: 3 },
  'warcio/example.warc.gz': { warcinfo: 2, request: 2, response: 1, revisit: 1 },
  'warcio.js/redirect.warc': { request: 1, response: 1 },
  'cc_net/sample.warc.wet': { warcinfo: 1, conversion: 3 },
};

async function collect(file: string, opts = {}): Promise<WarcRecord[]> {
  const out: WarcRecord[] = [];
  for await (const r of readWarcRecords(createReadStream(file), file, opts)) out.push(r);
  return out;
}

function countTypes(recs: { type: string }[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of recs) c[r.type] = (c[r.type] ?? 0) + 1;
  return c;
}

/** Independent record count: decompress the whole file with zlib and count WARC header lines. */
function regexTypes(file: string): Record<string, number> {
  let raw = readFileSync(file);
  if (raw[0] === 0x1f) raw = gunzipSync(raw);
  const c: Record<string, number> = {};
  for (const m of raw.toString('latin1').matchAll(/(?:^|\n)WARC\/[\d.]+\r?\n(?:[^\n]*\n)*?WARC-Type: *(\w+)/g)) c[m[1].toLowerCase()] = (c[m[1].toLowerCase()] ?? 0) + 1;
  return c;
}

/** Independent page count with warcio.js: 2xx HTML responses/resources and conversions. */
async function warcioPages(file: string): Promise<number> {
  let pages = 0;
  for await (const r of new WARCParser(createReadStream(file))) {
    if (r.warcType === 'conversion') pages++;
    if (r.warcType !== 'response' && r.warcType !== 'resource') continue;
    let ct: string | null | undefined;
    if (r.httpHeaders) {
      const st = Number(r.httpHeaders.statusCode);
      if (st < 200 || st >= 300) continue;
      ct = r.httpHeaders.headers.get('content-type');
    } else ct = r.warcHeaders.headers.get('content-type');
    if (/text\/html|xhtml/i.test(ct ?? '')) pages++;
  }
  return pages;
}

test('every shared WARC file: record counts by type and page counts', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  for (const [rel, expected] of Object.entries(README_COUNTS)) {
    const file = path.join(warcDir, rel);
    const recs = await collect(file);
    const got = countTypes(recs);
    assert.deepEqual(got, expected, `${rel}: record types`);
    assert.deepEqual(regexTypes(file), expected, `${rel}: independent count agrees with README`);
    // A page is a record recordText turns into text (empty_text = HTML whose main text is empty).
    const outcomes = recs.map((r) => recordText(r, 8 << 20));
    const pages = outcomes.filter((o) => 'page' in o || o.skip === 'empty_text').length;
    // warcio.js cannot read cc_net's hand-made Content-Lengths; its 3 conversions are from the README.
    const want = rel === 'cc_net/sample.warc.wet' ? 3 : await warcioPages(file);
    assert.equal(pages, want, `${rel}: pages`);
    assert.ok(outcomes.some((o) => 'page' in o) === want > 0, `${rel}: some page has text`);
  }
});

test('record offsets: reopening a per-record-gzip file at any record offset yields the rest', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const file = path.join(warcDir, 'resiliparse/warcfile.warc.gz');
  const all = await collect(file);
  assert.ok(all.every((r) => r.within === 0), 'per-record gzip: every record is its own member');
  for (const i of [1, 17, all.length - 1]) {
    const rest: WarcRecord[] = [];
    const src = createReadStream(file, { start: all[i].offset });
    for await (const r of readWarcRecords(src, file, { resume: { offset: all[i].offset, within: 0 } })) rest.push(r);
    assert.deepEqual(rest.map((r) => r.headers.get('warc-record-id')), all.slice(i + 1).map((r) => r.headers.get('warc-record-id')));
  }
});

test('whole-file gzip: records are addressed by decompressed offset and resume works', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const file = path.join(warcDir, 'copycat/clueweb12-0000tw-00.warc.gz');
  const all = await collect(file);
  assert.equal(all.length, 4);
  assert.ok(all.slice(1).every((r) => r.offset === 0 && r.within > 0));
  const rest = await collect(file, { resume: { offset: 0, within: all[1].within } });
  assert.deepEqual(rest.map((r) => r.headers.get('warc-record-id')), all.slice(2).map((r) => r.headers.get('warc-record-id')));
});

test('a truncated copy ends with one error naming file and offset, after every earlier record', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const src = path.join(warcDir, 'pywb/iana.warc.gz');
  const full = await collect(src);
  const bytes = readFileSync(src);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-warc-'));
  try {
    // Cut in the middle of record 200's gzip member.
    const cutRecord = full[200];
    const cut = cutRecord.offset + 20;
    const file = path.join(dir, 'cut.warc.gz');
    writeFileSync(file, bytes.subarray(0, cut));
    const got: WarcRecord[] = [];
    let error: unknown;
    try {
      for await (const r of readWarcRecords(createReadStream(file), file)) got.push(r);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof WarcTruncatedError, `got ${String(error)}`);
    assert.equal(error.code, 'KILN_WARC_TRUNCATED');
    assert.equal(error.offset, cutRecord.offset);
    assert.match(error.message, new RegExp(`cut\\.warc\\.gz: truncated at byte ${cutRecord.offset}`));
    assert.equal(got.length, 200);
    assert.deepEqual(got.map((r) => r.headers.get('warc-record-id')), full.slice(0, 200).map((r) => r.headers.get('warc-record-id')));
    // Uncompressed, cut inside a block.
    const plain = path.join(dir, 'cut.warc');
    const raw = gunzipSync(bytes);
    writeFileSync(plain, raw.subarray(0, Math.floor(raw.length / 2)));
    let n = 0;
    await assert.rejects(async () => {
      for await (const _ of readWarcRecords(createReadStream(plain), plain)) n++;
    }, (e: unknown) => e instanceof WarcTruncatedError && e.path === plain);
    assert.ok(n > 50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('garbage where a record must start is one corrupt error at that offset', async () => {
  const rec = (id: string): Buffer => Buffer.from(`WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <${id}>\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n`);
  const good = Buffer.concat([gzipSync(rec('a')), gzipSync(rec('b'))]);
  const data = Buffer.concat([good, Buffer.from('this is not gzip at all')]);
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const r of readWarcRecords([data], 'mem.warc.gz')) got.push(r.headers.get('warc-record-id')!);
  }, (e: unknown) => e instanceof WarcCorruptError && e.offset === good.length && e.code === 'KILN_WARC_CORRUPT');
  assert.deepEqual(got, ['<a>', '<b>']);
});

test('oversize blocks are skipped without buffering; a lying Content-Length ends as truncated', async () => {
  const big = Buffer.alloc(3 << 20, 97);
  const head = Buffer.from(`WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: ${big.length}\r\n\r\n`);
  const tail = Buffer.from('\r\n\r\nWARC/1.0\r\nWARC-Type: metadata\r\nContent-Length: 2\r\n\r\nok\r\n\r\n');
  const chunks = [head, ...Array.from({ length: 48 }, (_, i) => big.subarray(i << 16, (i + 1) << 16)), tail];
  const recs: WarcRecord[] = [];
  for await (const r of readWarcRecords(chunks, 'mem.warc', { maxBlockBytes: 1 << 20 })) recs.push(r);
  assert.deepEqual(recs.map((r) => [r.type, r.oversize ?? false, r.block?.length]), [['resource', true, undefined], ['metadata', false, 2]]);
  // Content-Length claims 10 GB: the reader must not allocate it and must end with an error.
  const liar = Buffer.from('WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 10000000000\r\n\r\nshort');
  await assert.rejects(async () => {
    for await (const _ of readWarcRecords([liar], 'liar.warc')) void _;
  }, WarcTruncatedError);
});

test('WARC/0.17 and 0.18 headers, LF-only files and Wget <uri> targets are read', async () => {
  const r017 = Buffer.from('WARC/0.17\r\nWARC-Type: response\r\nWARC-Target-URI: <http://x.test/>\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: 86\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>Hello there, reader.</p></body></html>\r\n\r\n');
  const fixed = Buffer.from(r017.toString().replace('Content-Length: 86', `Content-Length: ${r017.toString().split('\r\n\r\n').slice(1, 3).join('\r\n\r\n').length}`));
  const r018 = Buffer.from('WARC/0.18\nWARC-Type: conversion\nContent-Length: 11\n\nplain text.\n\n');
  const recs: WarcRecord[] = [];
  for await (const r of readWarcRecords([fixed, r018], 'mixed.warc')) recs.push(r);
  assert.deepEqual(recs.map((r) => [r.version, r.type]), [['0.17', 'response'], ['0.18', 'conversion']]);
  const page = recordText(recs[0], 1 << 20);
  assert.ok('page' in page);
  assert.equal(page.page.url, 'http://x.test/');
  assert.equal(page.page.id, 'urn:uuid:1');
  assert.match(page.page.text, /Hello there, reader\./);
});

test('the record check after a block reads ahead across many small pieces, in order, also past a wrong Content-Length', async () => {
  const rec = (id: string, body: string, len = Buffer.byteLength(body)): string => `WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <${id}>\r\nContent-Length: ${len}\r\n\r\n${body}\r\n\r\n`;
  // Record b declares 2 bytes too few: the reader must resynchronise on c's "WARC/" line.
  const file = Buffer.from(rec('a', 'first') + rec('b', 'second', 4) + rec('c', 'third') + '\r\n\r\n');
  // One-byte pieces, each delivered after an event-loop turn, so the line breaks after each
  // block span several read-ahead pieces (and a reader stuck re-reading them times out).
  const pieces = async function* (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < file.length; i++) {
      await new Promise(setImmediate);
      yield file.subarray(i, i + 1);
    }
  };
  const got: [string, string, boolean][] = [];
  for await (const r of readWarcRecords(pieces(), 'bytes.warc')) got.push([r.headers.get('warc-record-id')!, Buffer.from(r.block!).toString(), r.resynced ?? false]);
  assert.deepEqual(got, [
    ['<a>', 'first', false],
    ['<b>', 'second\r\n\r\n', true],
    ['<c>', 'third', false],
  ]);
});
