// Turns a pre-tokenizer pattern as tiktoken publishes it (written for Rust's fancy-regex) into a
// JavaScript RegExp with the same matches, so tests compare kiln with the published text and
// not with kiln's own spelling of it. Three constructs need a translation: JavaScript (Node 20)
// has no possessive quantifiers, no inline `(?i:…)` group, and a different `\s`.

/** Compiles a published tiktoken pattern to an equivalent global Unicode RegExp. */
export function publishedPatternRegExp(published: string): RegExp {
  return new RegExp(whiteSpaceAsUnicode(atomicPossessives(inlineCaseless(published))), 'gu');
}

// Rust's `\s` is `\p{White_Space}`; JavaScript's adds U+FEFF and lacks U+0085.
function whiteSpaceAsUnicode(p: string): string {
  return p.replaceAll(String.raw`\s`, String.raw`\p{White_Space}`).replaceAll(String.raw`\S`, String.raw`\P{White_Space}`);
}

/** Length of the atom starting at `i`: an escape, a class, a group or one character. */
function atomLength(p: string, i: number): number {
  const c = p[i];
  if (c === '\\') {
    if ((p[i + 1] === 'p' || p[i + 1] === 'P') && p[i + 2] === '{') return p.indexOf('}', i) + 1 - i;
    return 2;
  }
  if (c === '[') {
    let j = i + 1;
    while (p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
    return j + 1 - i;
  }
  if (c === '(') {
    let depth = 0;
    for (let j = i; j < p.length; j++) {
      if (p[j] === '\\' || p[j] === '[') {
        j += atomLength(p, j) - 1;
        continue;
      }
      if (p[j] === '(') depth++;
      else if (p[j] === ')' && --depth === 0) return j + 1 - i;
    }
    throw new Error(`unbalanced group in ${p}`);
  }
  return 1;
}

/** Length of the quantifier at `i` (`?`, `*`, `+`, `{m,n}`), 0 when there is none. */
function quantifierLength(p: string, i: number): number {
  if (p[i] === '?' || p[i] === '*' || p[i] === '+') return 1;
  if (p[i] === '{') return p.indexOf('}', i) + 1 - i;
  return 0;
}

// `X*+` (possessive) is the atomic group `(?>X*)`, which JavaScript spells `(?=(X*))\1`: the
// lookahead takes the greedy match once and the back-reference consumes it without backtracking.
function atomicPossessives(p: string, groups = { n: 0 }): string {
  let out = '';
  for (let i = 0; i < p.length; ) {
    const atom = p.slice(i, i + atomLength(p, i));
    i += atom.length;
    const body = atom.startsWith('(') ? groupWithAtomicPossessives(atom, groups) : atom;
    const q = p.slice(i, i + quantifierLength(p, i));
    i += q.length;
    if (q && p[i] === '+') {
      i++;
      const name = `possessive${groups.n++}`;
      out += `(?=(?<${name}>${body}${q}))\\k<${name}>`;
    } else out += body + q;
  }
  return out;
}

function groupWithAtomicPossessives(group: string, groups: { n: number }): string {
  const prefix = /^\((?:\?(?:[:=!]|<[=!]|<[A-Za-z]\w*>))?/.exec(group)![0];
  return prefix + atomicPossessives(group.slice(prefix.length, -1), groups) + ')';
}

// `(?i:…)` with ASCII letters only (all the published patterns hold): each letter becomes both cases.
function inlineCaseless(p: string): string {
  return p.replace(/\(\?i:([^()]*)\)/g, (_, body: string) => {
    let out = '';
    let inClass = false;
    for (const c of body) {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      if (/[a-z]/i.test(c)) out += inClass ? c.toLowerCase() + c.toUpperCase() : `[${c.toLowerCase()}${c.toUpperCase()}]`;
      else if (c === '\\') throw new Error(`escape inside (?i:…) not handled: ${body}`);
      else out += c;
    }
    return `(?:${out})`;
  });
}
