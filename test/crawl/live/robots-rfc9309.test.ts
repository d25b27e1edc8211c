// kiln's robots.txt decisions against the test cases of Google's reference parser,
// google/robotstxt @ c8ac4b1d93183ddcab30d09415356bf52550c6a5, robots_test.cc: the ID_* tests
// (the ones RFC 9309 covers) and the documentation examples of GoogleOnly_DocumentationChecks,
// which are plain longest-match/wildcard cases. Each case names the TEST it comes from. Left
// out: GoogleOnly_SystemTest (empty URLs), GoogleOnly_AcceptUserAgentUpToFirstSpace's
// multi-word crawler names, GoogleOnly_IndexHTMLisDirectory and GoogleOnly_LineTooLong
// (Google extensions RFC 9309 does not have).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRobots } from '../../../crawl/live/robots.js';
import { patternMatches, percentEncodePath } from '../../../crawl/live/robots-match.js';
import { isValidProductToken, parseRobotsTxt, productToken } from '../../../crawl/live/robots-rules.js';

interface Case {
  /** The TEST in robots_test.cc. */
  from: string;
  robots: string;
  agent: string;
  /** [url, allowed] pairs. */
  expect: [string, boolean][];
}

const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');
const fooDisallowAll = (...extra: string[]): string => lines('user-agent: FooBot', 'disallow: /', ...extra);

const cases: Case[] = [
  { from: 'ID_LineSyntax_Line', robots: lines('user-agent: FooBot', 'disallow: /'), agent: 'FooBot', expect: [['http://foo.bar/x/y', false]] },
  { from: 'ID_LineSyntax_Line', robots: lines('foo: FooBot', 'bar: /'), agent: 'FooBot', expect: [['http://foo.bar/x/y', true]] },
  { from: 'ID_LineSyntax_Line', robots: lines('user-agent FooBot', 'disallow /'), agent: 'FooBot', expect: [['http://foo.bar/x/y', false]] },
  ...['FooBot', 'BarBot', 'BazBot'].map((agent): Case => ({
    from: 'ID_LineSyntax_Groups',
    robots: lines('allow: /foo/bar/', '', 'user-agent: FooBot', 'disallow: /', 'allow: /x/', 'user-agent: BarBot', 'disallow: /', 'allow: /y/', '', '', 'allow: /w/', 'user-agent: BazBot', '', 'user-agent: FooBot', 'allow: /z/', 'disallow: /'),
    agent,
    expect: {
      FooBot: [['http://foo.bar/x/b', true], ['http://foo.bar/z/d', true], ['http://foo.bar/y/c', false], ['http://foo.bar/foo/bar/', false]],
      BarBot: [['http://foo.bar/y/c', true], ['http://foo.bar/w/a', true], ['http://foo.bar/z/d', false], ['http://foo.bar/foo/bar/', false]],
      BazBot: [['http://foo.bar/z/d', true], ['http://foo.bar/foo/bar/', false]],
    }[agent] as [string, boolean][],
  })),
  ...['FooBot', 'BarBot'].flatMap((agent): Case[] => [
    { from: 'ID_LineSyntax_Groups_OtherRules', robots: lines('User-agent: BarBot', 'Sitemap: https://foo.bar/sitemap', 'User-agent: *', 'Disallow: /'), agent, expect: [['http://foo.bar/', false]] },
    { from: 'ID_LineSyntax_Groups_OtherRules', robots: lines('User-agent: FooBot', 'Invalid-Unknown-Line: unknown', 'User-agent: *', 'Disallow: /'), agent, expect: [['http://foo.bar/', false]] },
  ]),
  ...[lines('USER-AGENT: FooBot', 'ALLOW: /x/', 'DISALLOW: /'), lines('user-agent: FooBot', 'allow: /x/', 'disallow: /'), lines('uSeR-aGeNt: FooBot', 'AlLoW: /x/', 'dIsAlLoW: /')].map((robots): Case => ({
    from: 'ID_REPLineNamesCaseInsensitive', robots, agent: 'FooBot', expect: [['http://foo.bar/x/y', true], ['http://foo.bar/a/b', false]],
  })),
  ...['FOO BAR', 'foo bar', 'FoO bAr'].flatMap((ua) => ['Foo', 'foo'].map((agent): Case => ({
    from: 'ID_UserAgentValueCaseInsensitive', robots: lines(`User-Agent: ${ua}`, 'Allow: /x/', 'Disallow: /'), agent, expect: [['http://foo.bar/x/y', true], ['http://foo.bar/a/b', false]],
  }))),
  { from: 'GoogleOnly_AcceptUserAgentUpToFirstSpace', robots: lines('User-Agent: *', 'Disallow: /', 'User-Agent: Foo Bar', 'Allow: /x/', 'Disallow: /'), agent: 'Foo', expect: [['http://foo.bar/x/y', true]] },
  { from: 'ID_GlobalGroups_Secondary', robots: '', agent: 'FooBot', expect: [['http://foo.bar/x/y', true]] },
  { from: 'ID_GlobalGroups_Secondary', robots: lines('user-agent: *', 'allow: /', 'user-agent: FooBot', 'disallow: /'), agent: 'FooBot', expect: [['http://foo.bar/x/y', false]] },
  { from: 'ID_GlobalGroups_Secondary', robots: lines('user-agent: *', 'allow: /', 'user-agent: FooBot', 'disallow: /'), agent: 'BarBot', expect: [['http://foo.bar/x/y', true]] },
  { from: 'ID_GlobalGroups_Secondary', robots: lines('user-agent: FooBot', 'allow: /', 'user-agent: BarBot', 'disallow: /', 'user-agent: BazBot', 'disallow: /'), agent: 'QuxBot', expect: [['http://foo.bar/x/y', true]] },
  { from: 'ID_AllowDisallow_Value_CaseSensitive', robots: lines('user-agent: FooBot', 'disallow: /x/'), agent: 'FooBot', expect: [['http://foo.bar/x/y', false]] },
  { from: 'ID_AllowDisallow_Value_CaseSensitive', robots: lines('user-agent: FooBot', 'disallow: /X/'), agent: 'FooBot', expect: [['http://foo.bar/x/y', true]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'disallow: /x/page.html', 'allow: /x/'), agent: 'FooBot', expect: [['http://foo.bar/x/page.html', false]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'allow: /x/page.html', 'disallow: /x/'), agent: 'FooBot', expect: [['http://foo.bar/x/page.html', true], ['http://foo.bar/x/', false]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'disallow: ', 'allow: '), agent: 'FooBot', expect: [['http://foo.bar/x/page.html', true]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'disallow: /', 'allow: /'), agent: 'FooBot', expect: [['http://foo.bar/x/page.html', true]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'disallow: /x', 'allow: /x/'), agent: 'FooBot', expect: [['http://foo.bar/x', false], ['http://foo.bar/x/', true]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'disallow: /x/page.html', 'allow: /x/page.html'), agent: 'FooBot', expect: [['http://foo.bar/x/page.html', true]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'allow: /page', 'disallow: /*.html'), agent: 'FooBot', expect: [['http://foo.bar/page.html', false], ['http://foo.bar/page', true]] },
  { from: 'ID_LongestMatch', robots: lines('user-agent: FooBot', 'allow: /x/page.', 'disallow: /*.html'), agent: 'FooBot', expect: [['http://foo.bar/x/page.html', true], ['http://foo.bar/x/y.html', false]] },
  { from: 'ID_LongestMatch', robots: lines('User-agent: *', 'Disallow: /x/', 'User-agent: FooBot', 'Disallow: /y/'), agent: 'FooBot', expect: [['http://foo.bar/x/page', true], ['http://foo.bar/y/page', false]] },
  { from: 'ID_Encoding', robots: fooDisallowAll('Allow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par'), agent: 'FooBot', expect: [['http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par', true]] },
  // The reference leaves encoding the URL to its caller and so answers false for the raw "ツ"
  // URL; kiln's isAllowed encodes the URL itself (RFC 9309 2.2.2), so both spellings agree.
  { from: 'ID_Encoding', robots: fooDisallowAll('Allow: /foo/bar/ツ'), agent: 'FooBot', expect: [['http://foo.bar/foo/bar/%E3%83%84', true], ['http://foo.bar/foo/bar/ツ', true]] },
  { from: 'ID_Encoding', robots: fooDisallowAll('Allow: /foo/bar/%E3%83%84'), agent: 'FooBot', expect: [['http://foo.bar/foo/bar/%E3%83%84', true], ['http://foo.bar/foo/bar/ツ', true]] },
  { from: 'ID_Encoding', robots: fooDisallowAll('Allow: /foo/bar/%62%61%7A'), agent: 'FooBot', expect: [['http://foo.bar/foo/bar/baz', false], ['http://foo.bar/foo/bar/%62%61%7A', true]] },
  { from: 'ID_SpecialCharacters', robots: lines('User-agent: FooBot', 'Disallow: /foo/bar/quz', 'Allow: /foo/*/qux'), agent: 'FooBot', expect: [['http://foo.bar/foo/bar/quz', false], ['http://foo.bar/foo/quz', true], ['http://foo.bar/foo//quz', true], ['http://foo.bar/foo/bax/quz', true]] },
  { from: 'ID_SpecialCharacters', robots: lines('User-agent: FooBot', 'Disallow: /foo/bar$', 'Allow: /foo/bar/qux'), agent: 'FooBot', expect: [['http://foo.bar/foo/bar', false], ['http://foo.bar/foo/bar/qux', true], ['http://foo.bar/foo/bar/', true], ['http://foo.bar/foo/bar/baz', true]] },
  { from: 'ID_SpecialCharacters', robots: lines('User-agent: FooBot', '# Disallow: /', 'Disallow: /foo/quz#qux', 'Allow: /'), agent: 'FooBot', expect: [['http://foo.bar/foo/bar', true], ['http://foo.bar/foo/quz', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: fooDisallowAll('allow: /fish'), agent: 'FooBot', expect: [
    ['http://foo.bar/bar', false], ['http://foo.bar/fish', true], ['http://foo.bar/fish.html', true], ['http://foo.bar/fish/salmon.html', true], ['http://foo.bar/fishheads', true],
    ['http://foo.bar/fishheads/yummy.html', true], ['http://foo.bar/fish.html?id=anything', true], ['http://foo.bar/Fish.asp', false], ['http://foo.bar/catfish', false], ['http://foo.bar/?id=fish', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: fooDisallowAll('allow: /fish*'), agent: 'FooBot', expect: [
    ['http://foo.bar/bar', false], ['http://foo.bar/fish', true], ['http://foo.bar/fish.html', true], ['http://foo.bar/fishheads/yummy.html', true], ['http://foo.bar/Fish.bar', false], ['http://foo.bar/catfish', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: fooDisallowAll('allow: /fish/'), agent: 'FooBot', expect: [
    ['http://foo.bar/fish/', true], ['http://foo.bar/fish/salmon', true], ['http://foo.bar/fish/?salmon', true], ['http://foo.bar/fish', false], ['http://foo.bar/fish.html', false], ['http://foo.bar/Fish/Salmon.html', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: fooDisallowAll('allow: /*.php'), agent: 'FooBot', expect: [
    ['http://foo.bar/bar', false], ['http://foo.bar/filename.php', true], ['http://foo.bar/folder/filename.php?parameters', true], ['http://foo.bar//folder/any.php.file.html', true],
    ['http://foo.bar/filename.php/', true], ['http://foo.bar/index?f=filename.php/', true], ['http://foo.bar/php/', false], ['http://foo.bar/index?php', false], ['http://foo.bar/windows.PHP', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: fooDisallowAll('allow: /*.php$'), agent: 'FooBot', expect: [
    ['http://foo.bar/filename.php', true], ['http://foo.bar/folder/filename.php', true], ['http://foo.bar/filename.php?parameters', false], ['http://foo.bar/filename.php/', false],
    ['http://foo.bar/filename.php5', false], ['http://foo.bar/php/', false], ['http://foo.bar/filename?php', false], ['http://foo.bar/aaaphpaaa', false], ['http://foo.bar//windows.PHP', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: fooDisallowAll('allow: /fish*.php'), agent: 'FooBot', expect: [
    ['http://foo.bar/bar', false], ['http://foo.bar/fish.php', true], ['http://foo.bar/fishheads/catfish.php?parameters', true], ['http://foo.bar/Fish.PHP', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: lines('user-agent: FooBot', 'allow: /p', 'disallow: /'), agent: 'FooBot', expect: [['http://example.com/page', true]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: lines('user-agent: FooBot', 'allow: /folder', 'disallow: /folder'), agent: 'FooBot', expect: [['http://example.com/folder/page', true]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: lines('user-agent: FooBot', 'allow: /page', 'disallow: /*.htm'), agent: 'FooBot', expect: [['http://example.com/page.htm', false]] },
  { from: 'GoogleOnly_DocumentationChecks', robots: lines('user-agent: FooBot', 'allow: /$', 'disallow: /'), agent: 'FooBot', expect: [['http://example.com/', true], ['http://example.com/page.html', false]] },
];

for (const c of cases) {
  test(`${c.from}: ${JSON.stringify(c.robots.slice(0, 60))}… as ${c.agent}`, () => {
    const rules = parseRobots(c.robots, c.agent);
    for (const [url, allowed] of c.expect) assert.equal(rules.isAllowed(url), allowed, `${url} for ${c.agent}`);
  });
}

test('ID_UserAgentValueCaseInsensitive / product tokens: a FooBot group is not for a Foo crawler, nor the reverse', () => {
  const robots = lines('User-agent: *', 'Disallow: /', 'User-agent: FooBot', 'Allow: /');
  assert.equal(parseRobots(robots, 'FooBot/2.1 (+http://foo.bar/bot)').isAllowed('http://foo.bar/x'), true);
  assert.equal(parseRobots(robots, 'foobot').isAllowed('http://foo.bar/x'), true);
  assert.equal(parseRobots(robots, 'Foo').isAllowed('http://foo.bar/x'), false);
  const short = lines('User-agent: *', 'Disallow: /', 'User-agent: Foo', 'Allow: /');
  assert.equal(parseRobots(short, 'FooBot').isAllowed('http://foo.bar/x'), false);
  // A user-agent line with text after the token ("FooBot/1.2", "FooBot (+url)") still names FooBot.
  for (const line of ['FooBot/1.2', 'FooBot (+http://foo.bar/bot)']) {
    assert.equal(parseRobots(lines('User-agent: *', 'Disallow: /', `User-agent: ${line}`, 'Allow: /'), 'FooBot').isAllowed('http://foo.bar/x'), true, line);
  }
});

test('ID_VerifyValidUserAgentsToObey: product tokens are letters, "_" and "-" only', () => {
  for (const t of ['Foobot', 'Foobot-Bar', 'Foo_Bar']) assert.equal(isValidProductToken(t), true, t);
  for (const t of ['', 'ツ', 'Foobot*', ' Foobot ', 'Foobot/2.1', 'Foobot Bar']) assert.equal(isValidProductToken(t), false, t);
  // kiln takes the token from the front of its full user agent string.
  assert.equal(productToken('Foobot/2.1 (+http://x)'), 'Foobot');
  // A crawler without a valid token obeys only the * group.
  assert.equal(parseRobots(lines('User-agent: *', 'Disallow: /'), 'ツbot').isAllowed('http://foo.bar/'), false);
});

test('ID_LinesNumbersAreCountedCorrectly: LF, CRLF, CR, no final newline and mixed endings parse alike', () => {
  const files = [
    'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /\n',
    'User-Agent: foo\r\nAllow: /some/path\r\nUser-Agent: bar\r\n\r\n\r\nDisallow: /\r\n',
    'User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r',
    'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /',
    'User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /',
  ];
  for (const f of files) {
    const txt = parseRobotsTxt(f);
    assert.equal(txt.directives, 4, JSON.stringify(f));
    assert.deepEqual(txt.groups.map((g) => [g.agents, g.rules.map((r) => [r.allow, r.pattern, r.line])]), [
      [['foo'], [[true, '/some/path', 2]]],
      [['bar'], [[false, '/', 6]]],
    ], JSON.stringify(f));
  }
});

test('ID_UTF8ByteOrderMarkIsSkipped: a whole or partial BOM before the first line is skipped, elsewhere it spoils its line', () => {
  // Decoded the way the fetcher decodes robots.txt bytes (UTF-8, invalid bytes to U+FFFD).
  const decoded = (prefix: number[], body: string): string => Buffer.concat([Buffer.from(prefix), Buffer.from(body)]).toString('utf8');
  const body = 'User-Agent: foo\nAllow: /AnyValue\n';
  for (const bom of [[0xef, 0xbb, 0xbf], [0xef, 0xbb], [0xef]]) {
    const txt = parseRobotsTxt(decoded(bom, body));
    assert.deepEqual([txt.directives, txt.unknown], [2, 0], String(bom));
    assert.deepEqual(txt.groups[0].agents, ['foo']);
  }
  const broken = parseRobotsTxt(decoded([0xef, 0x11, 0xbf], body));
  assert.deepEqual([broken.directives, broken.unknown], [1, 1]);
  const middle = parseRobotsTxt(decoded([], 'User-Agent: foo\n') + decoded([0xef, 0xbb, 0xbf], 'Allow: /AnyValue\n'));
  assert.deepEqual([middle.directives, middle.unknown], [1, 1]);
  // End to end: the BOM no longer hides the first user-agent line.
  assert.equal(parseRobots(decoded([0xef, 0xbb, 0xbf], 'User-agent: FooBot\nDisallow: /\n'), 'FooBot').isAllowed('http://foo.bar/x'), false);
});

test('ID_NonStandardLineExample_Sitemap: a Sitemap line is read wherever it stands', () => {
  const groups = 'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\n';
  assert.deepEqual(parseRobotsTxt(`${groups}Sitemap: http://foo.bar/sitemap.xml\n`).sitemaps, ['http://foo.bar/sitemap.xml']);
  assert.deepEqual(parseRobotsTxt(`Sitemap: http://foo.bar/sitemap.xml\n${groups}`).sitemaps, ['http://foo.bar/sitemap.xml']);
});

test('TestMaybeEscapePattern: patterns are percent-encoded with upper-case hex', () => {
  assert.equal(percentEncodePath('http://www.example.com'), 'http://www.example.com');
  assert.equal(percentEncodePath('/a/b/c'), '/a/b/c');
  assert.equal(percentEncodePath('á'), '%C3%A1');
  assert.equal(percentEncodePath('%aa'), '%AA');
});

// The timeout is a hang guard, not a speed goal: the matcher does this in well under a
// millisecond, a backtracking one would not finish.
test('hostile patterns: many wildcards against a long path do not hang', { timeout: 20_000 }, () => {
  assert.equal(patternMatches(`/${'a'.repeat(100_000)}`, `/${'*a'.repeat(2000)}b$`), false);
  assert.equal(patternMatches(`/${'a'.repeat(100_000)}b`, `/${'*a'.repeat(2000)}b$`), true);
  const robots = `User-agent: *\n${`Disallow: /${'*x'.repeat(500)}\n`.repeat(200)}`;
  assert.equal(parseRobots(robots, 'kilnbot').isAllowed(`http://h.test/${'x'.repeat(600)}`), false);
});

test('hostile files: long runs of blanks, stars and colons parse without hanging', { timeout: 20_000 }, () => {
  const blanks = ' '.repeat(80_000);
  const txt = parseRobotsTxt(`User-agent:${blanks}*${blanks}x\nDisallow:${blanks}/a${blanks}\n${'*'.repeat(80_000)}:${':'.repeat(80_000)}\n`);
  assert.deepEqual(txt.groups.map((g) => [g.agents, g.rules.map((r) => r.pattern)]), [[['*'], ['/a']]]);
  assert.equal(txt.unknown, 1);
});
