// Matching a URL path against robots.txt patterns (RFC 9309 section 2.2.2-2.2.3): both sides are
// compared as percent-encoded octets, `*` matches any run of characters and a trailing `$`
// anchors the end. Written here rather than as a RegExp per rule: patterns come from untrusted
// files, and a RegExp built from `/*a*a*a*...` backtracks exponentially.

const HEX = '0123456789ABCDEF';

/**
 * Percent-encodes what RFC 9309 says must be encoded before comparison (octets outside US-ASCII
 * and controls), and upper-cases existing `%xx` escapes so `%aa` and `%AA` compare equal.
 */
export function percentEncodePath(s: string): string {
  let out = '';
  let plain = 0; // start of the run copied as is
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += s.slice(plain, i) + '%' + s[i + 1].toUpperCase() + s[i + 2].toUpperCase();
      i += 2;
      plain = i + 1;
    } else if (c <= 0x20 || c >= 0x7f) {
      out += s.slice(plain, i);
      // A lone surrogate (invalid UTF-16) cannot be UTF-8 encoded; TextEncoder would turn it
      // into U+FFFD, and so does this.
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
      if (cp > 0xffff) i++;
      plain = i + 1;
    }
  }
  return plain === 0 ? s : out + s.slice(plain);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * The part of `url` robots rules are matched against: path, params and query, without the
 * fragment, percent-encoded; "/" when the URL has no path.
 */
export function robotsPath(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '/';
  }
  // WHATWG URL already encodes non-ASCII in path and query; percentEncodePath normalises the
  // case of escapes and anything the URL parser leaves alone.
  return percentEncodePath((u.pathname || '/') + u.search);
}

/**
 * Whether `pattern` (already percent-encoded) matches a prefix of `path`, with `*` as
 * wildcard and a final `$` as end anchor. Each literal piece between stars is found with one
 * forward indexOf from where the previous piece ended (leftmost is always safe for prefix
 * globbing), so the work is at most pieces × path length, never exponential.
 */
export function patternMatches(path: string, pattern: string): boolean {
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const pieces = body.split('*');
  const first = pieces[0];
  if (!path.startsWith(first)) return false;
  if (pieces.length === 1) return anchored ? path.length === first.length : true;
  let pos = first.length;
  const last = pieces.length - 1;
  for (let i = 1; i < last; i++) {
    const piece = pieces[i];
    if (piece.length === 0) continue;
    const at = path.indexOf(piece, pos);
    if (at < 0) return false;
    pos = at + piece.length;
  }
  const tail = pieces[last];
  if (!anchored) return tail.length === 0 || path.indexOf(tail, pos) >= 0;
  // Anchored: the tail must end the path and start no earlier than where the middle ended.
  return path.length - tail.length >= pos && path.endsWith(tail);
}
