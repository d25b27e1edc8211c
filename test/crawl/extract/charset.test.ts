import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import { decodeHtml, charsetFromMeta } from '../../../crawl/extract/index.js';
import { readWarcRecords, parseHttpResponse, decodeHttpBody } from '../../../crawl/archive/index.js';
import { requireSharedData } from '../../core/project-paths.js';

test('charset: BOM, HTTP header, <meta>, then detection', () => {
  const text = 'Привет, мир! Это проверка кодировки текста на русском языке.';
  const cp1251 = iconv.encode(`<html><body><p>${text}</p></body></html>`, 'windows-1251');
  assert.match(decodeHtml(cp1251, 'text/html; charset=windows-1251'), /Привет, мир!/);
  const withMeta = Buffer.concat([Buffer.from('<html><head><meta charset="windows-1251"></head><body>'), iconv.encode(text, 'windows-1251')]);
  assert.equal(charsetFromMeta(withMeta), 'windows-1251');
  assert.match(decodeHtml(withMeta), /Привет, мир!/);
  const httpEquiv = Buffer.concat([Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'), iconv.encode('中文网页的内容', 'gb2312')]);
  assert.match(decodeHtml(httpEquiv), /中文网页的内容/);
  // The BOM beats a wrong header.
  assert.equal(decodeHtml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo')]), 'text/html; charset=iso-8859-1'), 'héllo');
  // Undeclared: valid UTF-8 is UTF-8; otherwise chardet guesses.
  assert.equal(decodeHtml(Buffer.from('naïve café')), 'naïve café');
  const guessed = decodeHtml(iconv.encode(`<p>${text.repeat(5)}</p>`, 'windows-1251'));
  assert.match(guessed, /Привет/);
});

test('charset: the shared Common Crawl pages declared GB2312/GBK/windows-1251/ISO-8859-1 decode to real text', async (t) => {
  const file = requireSharedData(t, 'warc/resiliparse/warcfile.warc.gz');
  if (!file) return;
  const seen = new Set<string>();
  for await (const r of readWarcRecords(createReadStream(file), file)) {
    if (r.type !== 'response' || !r.block) continue;
    const res = parseHttpResponse(r.block);
    if (!res) continue;
    const body = decodeHttpBody(res, 8 << 20);
    if (body === 'too_large') continue;
    const html = decodeHtml(body, res.headers.get('content-type'));
    assert.ok(!html.includes('\ufffd\ufffd\ufffd'), `mojibake in ${r.headers.get('warc-target-uri')}`);
    if (/[\u4e00-\u9fff]{4}/.test(html)) seen.add('han');
    if (/[\u0400-\u04ff]{4}/.test(html)) seen.add('cyrillic');
  }
  assert.deepEqual([...seen].sort(), ['cyrillic', 'han']);
});
