// Links and robots meta directives of a page, in one streaming htmlparser2 pass.
import { Parser } from 'htmlparser2';
import { canonicalUrl } from './canonical-url.js';

export interface PageLinks {
  links: string[];
  /** <meta name="robots" content="noindex">: keep following links, do not store the page. */
  noindex: boolean;
  /** <meta name="robots" content="nofollow">: store the page, do not follow its links. */
  nofollow: boolean;
}

/** Canonical http(s) links of an HTML page (resolved against <base href> or the page URL), at most `maxLinks`. */
export function extractLinks(html: string, pageUrl: string, maxLinks: number): PageLinks {
  let base = pageUrl;
  const seen = new Set<string>();
  let noindex = false;
  let nofollow = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'base' && attrs.href) {
          const b = canonicalUrl(attrs.href, pageUrl);
          if (b) base = b;
        } else if (name === 'meta' && /^(robots|kilnbot)$/i.test(attrs.name ?? '')) {
          const c = (attrs.content ?? '').toLowerCase();
          if (c.includes('noindex') || c.includes('none')) noindex = true;
          if (c.includes('nofollow') || c.includes('none')) nofollow = true;
        } else if ((name === 'a' || name === 'area') && attrs.href && seen.size < maxLinks) {
          const u = canonicalUrl(attrs.href, base);
          if (u) seen.add(u);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return { links: nofollow ? [] : [...seen], noindex, nofollow };
}
