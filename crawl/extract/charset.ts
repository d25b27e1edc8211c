/** HTML bytes → string: charset from the BOM, the HTTP header, <meta>, then detection. */
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { TextDecoder } from 'node:util';

// Only the head of the document is scanned for <meta charset>: the HTML spec's prescan
// looks at the first 1024 bytes; real pages often put it later, so we allow a little more.
const META_SCAN_BYTES = 4096;
// chardet's statistics settle well before this; scanning a whole multi-MB page buys nothing.
const DETECT_SAMPLE_BYTES = 64 * 1024;

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  const key = label.toLowerCase();
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(key);
    } catch {
      d = null;
    }
    decoders.set(key, d);
  }
  return d;
}

/** Decodes with the WHATWG decoder for a label, then iconv-lite; undefined when neither knows it. */
function decodeAs(bytes: Uint8Array, label: string): string | undefined {
  const d = decoderFor(label);
  if (d) return d.decode(bytes);
  if (iconv.encodingExists(label)) return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), label);
  return undefined;
}

/** The charset parameter of a Content-Type header value, if any. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType);
  return m ? m[1] : undefined;
}

function bomCharset(b: Uint8Array): { label: string; skip: number } | undefined {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { label: 'utf-8', skip: 3 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { label: 'utf-16le', skip: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { label: 'utf-16be', skip: 2 };
  return undefined;
}

/** The charset a document declares in <meta charset> or <meta http-equiv content>, scanning only its head. */
export function charsetFromMeta(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, META_SCAN_BYTES)).toString('latin1');
  const re = /<meta\b[^>]*>/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(head))) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag);
    if (direct) return direct[1];
  }
  return undefined;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextDecoder('utf-8');

/** Decodes HTML bytes: BOM first (it cannot lie about itself), then the HTTP header, <meta>, UTF-8 validity, chardet. */
export function decodeHtml(bytes: Uint8Array, contentType?: string): string {
  const bom = bomCharset(bytes);
  if (bom) return decodeAs(bytes.subarray(bom.skip), bom.label) ?? utf8.decode(bytes);
  // The <meta> scan runs only when the header names no usable charset (most pages name one).
  for (const labelOf of [() => charsetFromContentType(contentType), () => charsetFromMeta(bytes)]) {
    const label = labelOf();
    if (!label) continue;
    // Pages declaring UTF-16 in ASCII-compatible markup are really ASCII-compatible (HTML spec).
    const l = /^utf-?16/i.test(label) ? 'utf-8' : label;
    const s = decodeAs(bytes, l);
    if (s !== undefined) return s;
  }
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    // not UTF-8: guess
  }
  const guess = chardet.detect(bytes.subarray(0, DETECT_SAMPLE_BYTES));
  return (guess && decodeAs(bytes, guess)) ?? utf8.decode(bytes);
}
