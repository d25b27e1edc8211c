// One spelling per page, so the seen-set and document ids do not split a page into several.
import { createHash } from 'node:crypto';

/** Longest URL we accept; longer ones are almost always traps (session ids, calendars). */
export const MAX_URL_LENGTH = 2048;

/**
 * The canonical form of an http(s) URL, or null for anything else: fragment dropped, host
 * lower-cased, default port dropped, empty query dropped (the WHATWG URL parser does the rest).
 */
export function canonicalUrl(input: string, base?: string | URL): string | null {
  let u: URL;
  try {
    u = new URL(input, base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password) return null; // credentials in a crawled link are never ours to use
  u.hash = '';
  // An empty query serialises as a bare "?" (u.search reads '' for it): drop it.
  const s = u.search === '' ? u.toString().replace(/\?$/, '') : u.toString();
  return s.length > MAX_URL_LENGTH ? null : s;
}

/** The document id of a canonical URL: hex of the first 128 bits of its SHA-256. */
export function urlId(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** The id of version `version` (1-based) of a page: the URL id for the first, `<urlId>.v<N>` after a change. */
export function versionedId(canonical: string, version: number): string {
  const id = urlId(canonical);
  return version <= 1 ? id : `${id}.v${version}`;
}
