// Text that trips tokenizers: Unicode classes, emoji sequences, whitespace runs, numbers, code,
// CJK, contractions, NBSP, CRLF. Each entry is one document.

/** Hand-written tricky documents. */
export const TRICKY_TEXTS: string[] = [
  'Hello world',
  "I'm sure you'll see they've done what we'd said: it's John's, isn't it? WE'RE DONE'S 'tis",
  'emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸🇯🇵 ❤️ 🤷🏾‍♀️ 😀😀😀',
  'spaces:  two   three    four\ttab\t\ttabs  \n  \n\n\n   trailing   ',
  '   leading spaces and a final newline\n',
  'numbers 1 12 123 1234 12345678901234567890 3.14159 -42 1e-10 0x1F ١٢٣ ½ ² Ⅻ',
  'code: function f(x) {\n\treturn x.map((y) => y ** 2).filter(Boolean); // ok?\n}\nif (a && b || !c) { a += 1; }',
  'CJK: 中文字符测试，日本語のテキスト。한국어 텍스트입니다. 汉字和かなカナ混合',
  'NBSP:\u00a0a\u00a0\u00a0b \u00a0c\u202fd\u2009e\u3000f',
  'CRLF line one\r\nline two\r\n\r\nline four\r\n',
  'accents: café naïve résumé Ångström façade Zürich ñandú',
  'combining: e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0357 ',
  'math letters 𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and ancient 𐌰𐌱𐌲 and cuneiform 𒀀𒀁',
  'RTL: مرحبا بالعالم שלום עולם',
  'zero width: a\u200bb\u200cc\u200dd\u2060e',
  'punctuation!!! ??? ... --- *** ___ ~~~ ```js``` «quotes» „German" ‘single’ “double”',
  'urls https://example.com/path?q=1&r=2#frag and mail a.b+c@example.org',
  "mixed 'quotes' ''' '' 's 't 're 've 'm 'll 'd 'S 'T",
  'long word: ' + 'a'.repeat(300) + ' and ' + 'ab'.repeat(150),
  '=' .repeat(200) + '\n' + '-'.repeat(80),
  'digits run ' + '9'.repeat(120),
  'Ünïcödé ÜPPER lower MiXeD ǅungla ǈ Σίσυφος ΣΊΣΥΦΟΣ',
  '\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2028\u2029\u205f\u3000end',
  '',
  ' ',
  '\n',
  "don't",
  'a\u0085b a \u0085b x\ufeffy x \ufeffy',
];

/** True when `text` holds U+0085 or U+FEFF, where gpt-tokenizer (JS `\s`) and tiktoken / HF (Unicode White_Space) disagree. */
export function hasWhiteSpaceDisagreement(text: string): boolean {
  return /[\u0085\ufeff]/.test(text);
}
