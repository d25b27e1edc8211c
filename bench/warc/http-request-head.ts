// The HTTP request header block of a WARC request record, parsed the way kiln's
// parseHttpResponse parses a response's: kiln's archive stage never reads request records, but
// warcio with `parseHttp: true` parses them, so the bench's "both parse" row does it on kiln's side too.
const latin1 = new TextDecoder('latin1');

/** Request line, header map and the bytes after the blank line; undefined when the block is no HTTP request. */
export function parseHttpRequestHead(block: Uint8Array): { requestLine: string; headers: Map<string, string>; body: Uint8Array } | undefined {
  let end = -1;
  let sep = 0;
  for (let i = 0; i < block.length - 1; i++) {
    if (block[i] !== 10) continue;
    if (block[i + 1] === 10) { end = i; sep = 2; break; }
    if (block[i + 1] === 13 && block[i + 2] === 10) { end = i; sep = 3; break; }
  }
  const lines = latin1.decode(block.subarray(0, end < 0 ? block.length : end)).split(/\r?\n/);
  if (!/^[A-Z]+ \S+ HTTP\/[\d.]+/.test(lines[0])) return undefined;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].indexOf(':');
    if (c > 0) headers.set(lines[i].slice(0, c).trim().toLowerCase(), lines[i].slice(c + 1).trim());
  }
  return { requestLine: lines[0], headers, body: end < 0 ? new Uint8Array(0) : block.subarray(end + sep) };
}
