/** The HTTP response inside a WARC response record: status, headers, and the decoded body. */
import zlib from 'node:zlib';

/** A parsed HTTP/1.x response message. */
export interface HttpResponse {
  status: number;
  /** Header fields by lower-cased name. */
  headers: Map<string, string>;
  /** The body as stored (possibly chunked and/or content-encoded). */
  body: Uint8Array;
}

// HTTP header sections are small; this bounds the search in hostile blocks.
const MAX_HTTP_HEADER_BYTES = 64 * 1024;
const latin1 = new TextDecoder('latin1');

/** Parses the status line and headers of an HTTP response block; undefined when it is not one. */
export function parseHttpResponse(block: Uint8Array): HttpResponse | undefined {
  if (block.length < 12 || block[0] !== 72 || block[1] !== 84 || block[2] !== 84 || block[3] !== 80) return undefined; // "HTTP"
  let end = -1;
  let sep = 0;
  const lim = Math.min(block.length, MAX_HTTP_HEADER_BYTES);
  for (let i = 0; i < lim - 1; i++) {
    if (block[i] !== 10) continue;
    if (block[i + 1] === 10) { end = i; sep = 2; break; }
    if (block[i + 1] === 13 && block[i + 2] === 10) { end = i; sep = 3; break; }
  }
  // A response that is only a header section (e.g. a 304) has no blank line at the end.
  const head = latin1.decode(block.subarray(0, end < 0 ? lim : end));
  const lines = head.split(/\r?\n/);
  const m = /^HTTP\/[\d.]+\s+(\d{3})/.exec(lines[0]);
  if (!m) return undefined;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].indexOf(':');
    if (c > 0) headers.set(lines[i].slice(0, c).trim().toLowerCase(), lines[i].slice(c + 1).trim());
  }
  return { status: Number(m[1]), headers, body: end < 0 ? new Uint8Array(0) : block.subarray(end + sep) };
}

/** Undoes chunked transfer coding; returns the input when it is not validly chunked (many archives store it de-chunked). */
export function dechunk(body: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let p = 0;
  for (;;) {
    let lineEnd = p;
    while (lineEnd < body.length && body[lineEnd] !== 10 && lineEnd - p < 64) lineEnd++;
    if (lineEnd >= body.length || body[lineEnd] !== 10) return parts.length ? Buffer.concat(parts) : body;
    const line = latin1.decode(body.subarray(p, lineEnd)).trim();
    const size = Number.parseInt(line.split(';')[0], 16);
    if (!/^[0-9a-fA-F]+/.test(line) || !Number.isFinite(size)) return parts.length ? Buffer.concat(parts) : body;
    p = lineEnd + 1;
    if (size === 0) break;
    parts.push(body.subarray(p, Math.min(p + size, body.length)));
    p += size;
    if (p >= body.length) break;
    if (body[p] === 13) p++;
    if (body[p] === 10) p++;
  }
  return Buffer.concat(parts);
}

/** Why a body could not be decoded. */
export type BodyProblem = 'too_large';

/**
 * The payload bytes a browser would see: de-chunked when Transfer-Encoding says so, then
 * gzip/deflate/br undone with output capped at `maxBytes` (a zip bomb stops there). A body
 * that does not decode is returned as stored: archives often keep the header after having
 * saved the decoded body.
 */
export function decodeHttpBody(res: HttpResponse, maxBytes: number): Uint8Array | BodyProblem {
  let body = res.body;
  const te = res.headers.get('transfer-encoding')?.toLowerCase() ?? '';
  if (te.includes('chunked')) body = dechunk(body);
  const ce = (res.headers.get('content-encoding') ?? '').toLowerCase().trim();
  if (ce && ce !== 'identity' && body.length > 0) {
    const opts = { maxOutputLength: maxBytes };
    const attempts: (() => Uint8Array)[] =
      ce.includes('br') ? [() => zlib.brotliDecompressSync(body, opts)]
      : ce.includes('deflate') ? [() => zlib.inflateSync(body, opts), () => zlib.inflateRawSync(body, opts)]
      : ce.includes('gzip') ? [() => zlib.gunzipSync(body, opts)]
      : [];
    for (const a of attempts) {
      try {
        return a();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return 'too_large';
      }
    }
  }
  return body.length > maxBytes ? 'too_large' : body;
}
