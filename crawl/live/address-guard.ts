// The private-address guard. It must run on the address the socket actually connects to, not on
// a DNS answer looked up earlier: a hostile DNS server can answer "public" to a pre-check and
// "127.0.0.1" a moment later (DNS rebinding). So the check lives in the connector (crawl/live/
// http-client.ts): the lookup it hands to net.connect filters answers, IP-literal hosts are
// checked before connecting, and the connected socket's remoteAddress is checked again.
import dns from 'node:dns';
import net from 'node:net';
import { KilnError } from '../../core/errors.js';

/** A URL resolved to a private, loopback, link-local or otherwise non-public address. */
export class PrivateAddressError extends KilnError {
  constructor(host: string, address: string) {
    super('KILN_CRAWL_PRIVATE_ADDRESS', `refusing ${host}: it resolves to non-public address ${address} (use --allow-private to crawl it)`, { key: host });
  }
}

function ipv4Blocked(ip: string): boolean {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return true;
  const [a, b] = p;
  return (
    a === 0 || // "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata endpoints
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && p[2] === 0) || // IETF protocol assignments
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  );
}

function expandIpv6(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two 16-bit groups.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!net.isIPv4(tail)) return null;
    const q = tail.split('.').map(Number);
    s = `${s.slice(0, lastColon + 1)}${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...rest].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return null;
  return groups;
}

function ipv6Blocked(ip: string): boolean {
  const g = expandIpv6(ip);
  if (!g) return true;
  const allZeroTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) carry an IPv4 address: judge that.
  if (allZeroTo(5) && (g[5] === 0xffff || g[5] === 0)) {
    if (g[5] === 0 && g[6] === 0 && g[7] <= 1) return true; // :: and ::1
    return ipv4Blocked(`${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`);
  }
  // NAT64 (64:ff9b::/96) also embeds an IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return ipv4Blocked(`${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`);
  }
  return (
    (g[0] & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (g[0] & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (g[0] & 0xffc0) === 0xfec0 || // site-local (deprecated) fec0::/10
    (g[0] & 0xff00) === 0xff00 || // multicast
    (g[0] === 0x2001 && g[1] === 0x0db8) || // documentation
    g[0] === 0x2002 // 6to4 can tunnel to any IPv4 address, private ones included
  );
}

/** True when `address` (IPv4, IPv6 or v4-mapped IPv6, brackets allowed) is not a public unicast address. */
export function isBlockedAddress(address: string): boolean {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const kind = net.isIP(ip.split('%')[0]);
  if (kind === 4) return ipv4Blocked(ip);
  if (kind === 6) return ipv6Blocked(ip);
  return true; // not an IP address at all: refuse rather than guess
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that drops non-public answers (or fails when none is left).
 * net.connect calls it with `all: true` when happy-eyeballs is on, so both shapes are answered.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, options.all ? [] : '', 0);
    const list = addresses as dns.LookupAddress[];
    const ok = list.filter((a) => !isBlockedAddress(a.address));
    if (ok.length === 0) {
      const e = new PrivateAddressError(hostname, list[0]?.address ?? '(none)') as unknown as NodeJS.ErrnoException;
      return callback(e, options.all ? [] : '', 0);
    }
    if (options.all) return callback(null, ok);
    callback(null, ok[0].address, ok[0].family);
  });
}
