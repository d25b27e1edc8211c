import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { canonicalUrl, urlId, versionedId } from '../../../crawl/live/canonical-url.js';
import { extractLinks } from '../../../crawl/live/html-links.js';
import { decodeFallback, pageText } from '../../../crawl/live/page-text.js';
import { htmlToPlainText } from '../../../crawl/live/plain-text.js';
import { backoffMs, parseRetryAfter } from '../../../crawl/live/retry-policy.js';
import { parseSitemap } from '../../../crawl/live/sitemap.js';

test('canonical URLs: fragment, default port, host case; only http(s); ids are stable', () => {
  assert.equal(canonicalUrl('HTTP://Example.COM:80/a/../b?#frag'), 'http://example.com/b');
  assert.equal(canonicalUrl('/x', 'https://h.test/dir/page'), 'https://h.test/x');
  assert.equal(canonicalUrl('javascript:alert(1)'), null);
  assert.equal(canonicalUrl('ftp://h.test/'), null);
  assert.equal(canonicalUrl('http://user:pw@h.test/'), null);
  assert.equal(canonicalUrl(`http://h.test/${'a'.repeat(3000)}`), null);
  assert.equal(urlId('http://h.test/'), urlId('http://h.test/'));
  assert.notEqual(urlId('http://h.test/'), urlId('http://h.test/x'));
  assert.match(urlId('http://h.test/'), /^[0-9a-f]{32}$/);
  assert.equal(versionedId('http://h.test/', 1), urlId('http://h.test/'));
  assert.equal(versionedId('http://h.test/', 3), `${urlId('http://h.test/')}.v3`);
});

test('links: resolved against <base>, deduplicated, capped; meta robots nofollow/noindex', () => {
  const html = '<base href="http://h.test/dir/"><a href="a">1</a><a href="a#x">2</a><a href="/b">3</a><a href="mailto:m@h">4</a><area href="c">';
  assert.deepEqual(extractLinks(html, 'http://h.test/', 100).links, ['http://h.test/dir/a', 'http://h.test/b', 'http://h.test/dir/c']);
  assert.equal(extractLinks(html, 'http://h.test/', 1).links.length, 1);
  const nf = extractLinks('<meta name="robots" content="noindex, nofollow"><a href="/x">x</a>', 'http://h.test/', 10);
  assert.deepEqual(nf, { links: [], noindex: true, nofollow: true });
});

test('plain text fallback drops scripts and styles and keeps block structure', () => {
  const { text, title } = htmlToPlainText('<title> T </title><style>p{}</style><p>one  two</p><script>var x</script><div>three</div>');
  assert.equal(title, 'T');
  assert.equal(text, 'one two\nthree');
});

test('bad charsets never throw: unknown labels fall back to UTF-8, known ones decode', () => {
  const cyr = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // "Привет" in windows-1251
  assert.equal(decodeFallback(cyr, 'text/html; charset=windows-1251'), 'Привет');
  assert.equal(decodeFallback(Buffer.from('<meta charset="koi8-r">'), undefined), '<meta charset="koi8-r">');
  assert.equal(decodeFallback(Buffer.from('héllo'), 'text/html; charset=no-such-charset'), 'héllo');
  assert.equal(decodeFallback(Buffer.from([0xff, 0xfe, 0xfd]), 'text/html; charset=utf-8'), '\ufffd\ufffd\ufffd');
  const page = pageText(null, Buffer.concat([Buffer.from('<html><head><meta charset="windows-1251"></head><body><p>'), cyr, Buffer.from('</p></body></html>')]), 'text/html', 'text/html', 'http://h.test/');
  assert.equal(page.text, 'Привет');
});

test('sitemaps: urlset, index, gzip, plain text; caps on URL count hold', () => {
  const set = Buffer.from('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> http://h.test/a </loc></url><url><loc>http://h.test/b&amp;c</loc></url><url><loc>javascript:x</loc></url></urlset>');
  assert.deepEqual(parseSitemap(set, 'http://h.test/s.xml', 100, 1e6), { urls: ['http://h.test/a', 'http://h.test/b&c'], sitemaps: [] });
  const index = Buffer.from('<sitemapindex><sitemap><loc>http://h.test/s1.xml.gz</loc></sitemap></sitemapindex>');
  assert.deepEqual(parseSitemap(index, 'http://h.test/', 100, 1e6).sitemaps, ['http://h.test/s1.xml.gz']);
  assert.deepEqual(parseSitemap(zlib.gzipSync(set), 'http://h.test/s.xml.gz', 100, 1e6).urls, ['http://h.test/a', 'http://h.test/b&c']);
  assert.deepEqual(parseSitemap(Buffer.from('http://h.test/x\nhttp://h.test/y\n'), 'http://h.test/s.txt', 100, 1e6).urls, ['http://h.test/x', 'http://h.test/y']);
  const many = Buffer.from(`<urlset>${Array.from({ length: 5000 }, (_, i) => `<url><loc>http://h.test/${i}</loc></url>`).join('')}</urlset>`);
  assert.equal(parseSitemap(many, 'http://h.test/', 10, 1e7).urls.length, 10);
  const bomb = Buffer.concat(Array.from({ length: 20 }, () => zlib.gzipSync(Buffer.alloc(1 << 20, 0x20))));
  assert.deepEqual(parseSitemap(bomb, 'http://h.test/', 10, 1 << 20), { urls: [], sitemaps: [] });
});

test('retry policy: full-jitter backoff within the cap; Retry-After seconds and dates', () => {
  assert.equal(backoffMs(3, 100, 10_000, () => 0.999), 799);
  assert.equal(backoffMs(20, 100, 5000, () => 0.5), 2500);
  assert.equal(backoffMs(2, 100, 5000, () => 0), 0);
  assert.equal(parseRetryAfter('7'), 7000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});
