// sitemaps.org XML sitemaps and sitemap indexes (plain or gzipped). The spec caps a sitemap at
// 50,000 URLs and 50 MB uncompressed; we parse at most `maxUrls` locs from at most `maxBytes`
// decoded bytes per file, so a hostile sitemap costs bounded memory whatever it claims.
import zlib from 'node:zlib';
import { Parser } from 'htmlparser2';
import { canonicalUrl } from './canonical-url.js';

export interface ParsedSitemap {
  /** Page URLs (<urlset><url><loc>). */
  urls: string[];
  /** Child sitemaps (<sitemapindex><sitemap><loc>). */
  sitemaps: string[];
}

/** Gunzips when the bytes carry a gzip header (a .xml.gz served as application/gzip), capped at `maxBytes`. */
export function maybeGunzip(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch {
    return new Uint8Array(0); // corrupt or a bomb: treat as empty, a sitemap is only a hint
  }
}

/** Extracts page and child-sitemap locations from sitemap XML (or a plain-text list of URLs). */
export function parseSitemap(bytes: Uint8Array, sitemapUrl: string, maxUrls: number, maxBytes: number): ParsedSitemap {
  const xml = Buffer.from(maybeGunzip(bytes, maxBytes)).subarray(0, maxBytes).toString('utf8');
  const urls: string[] = [];
  const sitemaps: string[] = [];
  const head = xml.slice(0, 512).trimStart();
  if (!head.startsWith('<')) {
    // sitemaps.org also allows a text file: one URL per line.
    for (const line of xml.split(/\r?\n/)) {
      if (urls.length >= maxUrls) break;
      const u = canonicalUrl(line.trim(), sitemapUrl);
      if (u && line.trim()) urls.push(u);
    }
    return { urls, sitemaps };
  }
  let parent = '';
  let inLoc = false;
  let loc = '';
  const parser = new Parser(
    {
      onopentag(name) {
        const local = name.toLowerCase().replace(/^.*:/, '');
        if (local === 'url' || local === 'sitemap') parent = local;
        else if (local === 'loc') { inLoc = true; loc = ''; }
      },
      ontext(text) {
        if (inLoc && loc.length < 4096) loc += text;
      },
      onclosetag(name) {
        const local = name.toLowerCase().replace(/^.*:/, '');
        if (local !== 'loc' || !inLoc) return;
        inLoc = false;
        if (urls.length + sitemaps.length >= maxUrls) return;
        const u = canonicalUrl(loc.trim(), sitemapUrl);
        if (!u) return;
        (parent === 'sitemap' ? sitemaps : urls).push(u);
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.end(xml);
  return { urls, sitemaps };
}
