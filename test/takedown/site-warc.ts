// A WARC file of HTML pages on many hosts, for takedown tests that need domains: one `resource`
// record a page (WARC 1.0, uncompressed), each with a fixed record id so a re-read gives the same
// document ids. Texts are seeded word salad, long enough to fill several shards and far enough
// apart that dedupe keeps every page.
import { writeFileSync } from 'node:fs';
import { rng, text } from '../core/corpus.js';

/** One page of the archive. */
export interface WarcPage {
  id: string;
  url: string;
  text: string;
}

/** Pages for `urls`, ids `<urn:page-N>` from `firstId`, texts of ~`words` words from `seed`. */
export function makePages(urls: readonly string[], seed: number, words = 120, firstId = 0): WarcPage[] {
  const r = rng(seed);
  return urls.map((url, i) => ({ id: `urn:page-${firstId + i}`, url, text: text(r, words) }));
}

/** Writes `pages` as one WARC file. */
export function writeWarc(file: string, pages: readonly WarcPage[]): void {
  const parts: Buffer[] = [];
  for (const p of pages) {
    const body = Buffer.from(`<!doctype html><html><head><title>page</title></head><body><p>${p.text}</p></body></html>`, 'utf8');
    const head = [
      'WARC/1.0',
      'WARC-Type: resource',
      `WARC-Record-ID: <${p.id}>`,
      `WARC-Target-URI: ${p.url}`,
      'WARC-Date: 2024-01-01T00:00:00Z',
      'Content-Type: text/html; charset=utf-8',
      `Content-Length: ${body.length}`,
    ].join('\r\n');
    parts.push(Buffer.from(head + '\r\n\r\n', 'utf8'), body, Buffer.from('\r\n\r\n', 'utf8'));
  }
  writeFileSync(file, Buffer.concat(parts));
}
