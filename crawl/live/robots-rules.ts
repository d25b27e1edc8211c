// robots.txt parsing and group selection after RFC 9309 and Google's reference parser
// (google/robotstxt). kiln used the robots-parser package before; it disagreed with the
// reference on standard cases (a partial UTF-8 BOM, user-agent lines with extra text such as
// "FooBot/1.2" or "Foo Bar", rules split by Sitemap lines, missing colons), so this is kiln's
// own, checked against the reference's test cases in test/crawl/live/robots-rfc9309.test.ts.
import { patternMatches, percentEncodePath } from './robots-match.js';

/** One allow/disallow line; `pattern` is percent-encoded, `line` is 1-based. */
export interface RobotsRule {
  allow: boolean;
  pattern: string;
  line: number;
}

/** A group: the product tokens of its user-agent lines (lower case, `*` for any) and its rules. */
export interface RobotsGroup {
  agents: string[];
  rules: RobotsRule[];
  crawlDelaySeconds?: number;
}

/** A parsed robots.txt. `directives` and `unknown` count recognised and other key-value lines. */
export interface RobotsTxt {
  groups: RobotsGroup[];
  sitemaps: string[];
  directives: number;
  unknown: number;
}

// RFC 9309 section 2.5: crawlers must parse at least 500 KiB; Google stops there. The fetcher
// reads no more than this many bytes; the cut here bounds direct callers too.
export const MAX_ROBOTS_CHARS = 500 * 1024;

// At most this many Sitemap lines are kept: a file full of them should not fill the frontier.
const MAX_SITEMAPS = 50;

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * The product token robots.txt groups are matched against (RFC 9309 2.2.1: letters, `_` and
 * `-`): "kilnbot/0.1 (+url)" gives "kilnbot"; "" when the string does not start with one.
 */
export function productToken(userAgent: string): string {
  return /^[A-Za-z_-]*/.exec(userAgent)![0];
}

/** Whether `token` is a product token a crawler may be identified by (RFC 9309 2.2.1). */
export function isValidProductToken(token: string): boolean {
  return /^[A-Za-z_-]+$/.test(token);
}

// Only spaces and tabs are white space here (RFC 9309 2.2); String.trim() would also eat a
// stray BOM (U+FEFF) in the middle of the file, which must spoil its line as in Google's parser.
// Written as a loop: a regex for the trailing run is quadratic on a long run of blanks.
function blank(s: string): string {
  const isBlank = (i: number): boolean => s[i] === ' ' || s[i] === '\t';
  let a = 0;
  let b = s.length;
  while (a < b && isBlank(a)) a++;
  while (b > a && isBlank(b - 1)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Splits one line into a lower-case key and its value, or undefined for blank/comment lines. */
function keyValue(raw: string): { key: string; value: string } | undefined {
  const hash = raw.indexOf('#');
  const line = blank(hash >= 0 ? raw.slice(0, hash) : raw);
  if (line.length === 0) return undefined;
  const colon = line.indexOf(':');
  if (colon >= 0) return { key: blank(line.slice(0, colon)).toLowerCase(), value: blank(line.slice(colon + 1)) };
  // As Google does: "disallow /" means what it says when the colon is the only thing missing
  // (exactly two words); anything longer stays an unknown line.
  const m = /^([^ \t]+)[ \t]+([^ \t]+)$/.exec(line);
  return m ? { key: m[1].toLowerCase(), value: m[2] } : { key: line.toLowerCase(), value: '' };
}

/** The token of a user-agent line: `*`, the leading product token lower-cased, or "" (matches nobody). */
function groupAgent(value: string): string {
  if (value === '*' || /^\*[ \t]/.test(value)) return '*';
  return productToken(value).toLowerCase();
}

/** Parses robots.txt text (at most MAX_ROBOTS_CHARS of it) into groups and sitemaps. */
export function parseRobotsTxt(input: string): RobotsTxt {
  let text = input.length > MAX_ROBOTS_CHARS ? input.slice(0, MAX_ROBOTS_CHARS) : input;
  // A UTF-8 BOM, or the replacement characters a truncated one decodes to, before the first line.
  text = text.replace(/^(?:\uFEFF|\uFFFD{1,2}(?=[A-Za-z]))/, '');
  const out: RobotsTxt = { groups: [], sitemaps: [], directives: 0, unknown: 0 };
  let group: RobotsGroup | undefined;
  // A user-agent line opens a new group only after the current one has had a rule: consecutive
  // user-agent lines share their rules (RFC 9309 2.1), and other lines do not end a group.
  let hadRule = true;
  const lines = text.split(LINE_BREAK);
  for (let i = 0; i < lines.length; i++) {
    const kv = keyValue(lines[i]);
    if (!kv) continue;
    const { key, value } = kv;
    switch (key) {
      case 'user-agent':
        out.directives++;
        if (hadRule || !group) {
          group = { agents: [], rules: [] };
          out.groups.push(group);
          hadRule = false;
        }
        group.agents.push(groupAgent(value));
        break;
      case 'allow':
      case 'disallow':
        out.directives++;
        // Rules before the first user-agent line belong to no group and are ignored.
        if (!group) break;
        hadRule = true;
        // An empty pattern matches nothing (RFC 9309 2.2.2: "Disallow:" allows everything).
        if (value.length > 0) group.rules.push({ allow: key === 'allow', pattern: percentEncodePath(value), line: i + 1 });
        break;
      case 'sitemap':
        out.directives++;
        if (out.sitemaps.length < MAX_SITEMAPS && value.length > 0) out.sitemaps.push(value);
        break;
      case 'crawl-delay': {
        // Not in RFC 9309; honoured per group. Like Google's parser it does not end a group.
        out.directives++;
        const s = Number(value);
        if (group && group.crawlDelaySeconds === undefined && Number.isFinite(s) && s > 0) group.crawlDelaySeconds = s;
        break;
      }
      default:
        out.unknown++;
    }
  }
  return out;
}

/** The groups that apply to `token`: those naming it, else those for `*` (RFC 9309 2.2.1). */
export function groupsFor(txt: RobotsTxt, token: string): RobotsGroup[] {
  const t = isValidProductToken(token) ? token.toLowerCase() : '';
  const own = t ? txt.groups.filter((g) => g.agents.includes(t)) : [];
  return own.length > 0 ? own : txt.groups.filter((g) => g.agents.includes('*'));
}

/**
 * Whether `rules` allow the percent-encoded `path`: the longest matching pattern wins, and
 * allow wins a tie (RFC 9309 2.2.2); no match means allowed.
 */
export function rulesAllow(rules: readonly RobotsRule[], path: string): boolean {
  let allowLen = -1;
  let disallowLen = -1;
  for (const r of rules) {
    const len = r.pattern.length;
    if (len <= (r.allow ? allowLen : disallowLen)) continue;
    if (!patternMatches(path, r.pattern)) continue;
    if (r.allow) allowLen = len;
    else disallowLen = len;
  }
  return disallowLen <= allowLen;
}
