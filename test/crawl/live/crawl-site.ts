// A small site for crawl tests: linked pages, a robots-disallowed path, a sitemap-only page,
// an image, and validators (ETag/Last-Modified) on every page so re-crawls can revalidate.
import type { Handler } from './fault-server.js';
import { conditional, respond } from './fault-server.js';

export interface SitePage {
  etag: string;
  lastModified: string;
  html: string;
}

function html(title: string, body: string, links: string[]): string {
  return `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1><p>${body}</p></article>${links.map((l) => `<a href="${l}">${l}</a>`).join(' ')}</body></html>`;
}

/** Builds the routes; `pages` is mutable so a test can change a page between crawls. */
export function crawlSite(origin: () => string): { routes: Record<string, Handler>; pages: Map<string, SitePage> } {
  const lm = new Date('2026-01-01T00:00:00Z').toUTCString();
  const spec: Record<string, [string, string[]]> = {
    '/': ['Home', ['/a', '/b', '/c', '/private/secret', '/logo.png', '/b#section', 'mailto:x@example.com']],
    '/a': ['Page A', ['/a1', '/']],
    '/b': ['Page B', ['/', '/c']],
    '/c': ['Page C', ['/a']],
    '/a1': ['Page A1', ['/a2']],
    '/a2': ['Page A2', []],
    '/d': ['Page D only in the sitemap', []],
    '/private/secret': ['Secret', []],
  };
  const pages = new Map<string, SitePage>();
  const routes: Record<string, Handler> = {};
  for (const [path, [title, links]] of Object.entries(spec)) {
    const page: SitePage = { etag: `"${path}-v1"`, lastModified: lm, html: html(title, `Body of ${title}, with enough words to count as text.`, links) };
    pages.set(path, page);
    routes[path] = conditional(page);
  }
  routes['/robots.txt'] = (req, res, info) => respond(200, `User-agent: *\nDisallow: /private/\n\nSitemap: ${origin()}/sitemap.xml\n`, { 'content-type': 'text/plain' })(req, res, info);
  routes['/sitemap.xml'] = (req, res, info) =>
    respond(200, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${origin()}/d</loc></url><url><loc>${origin()}/a</loc></url></urlset>`, { 'content-type': 'application/xml' })(req, res, info);
  routes['/logo.png'] = respond(200, Buffer.alloc(64), { 'content-type': 'image/png' });
  return { routes, pages };
}
