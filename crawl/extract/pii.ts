/**
 * PII replacement as FineWeb does it (datatrove's PIIFormatter): e-mail addresses and
 * public IPv4/IPv6 addresses are replaced by fixed placeholders; private, loopback and
 * other non-routable IPs are kept (they identify nobody).
 */
import { isIP } from 'node:net';

/** What to replace and with what. */
export interface PiiOptions {
  emails?: boolean;
  ips?: boolean;
  emailReplacement?: string;
  ipReplacement?: string;
}

// datatrove's defaults.
const EMAIL_REPLACEMENT = 'email@example.com';
const IP_REPLACEMENT = '0.0.0.0';

// Same shape as datatrove's email regex: local part, "@", dotted domain with a 2+ letter TLD.
const EMAIL = /\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}\b/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\d|\.\d)/g;
// Candidate runs of hex digits and colons; node:net's isIP decides which are addresses.
const IPV6 = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/g;

function isPublicIpv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  if (a === 10 || a === 127 || a === 0 || a >= 224) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 169 && b === 254) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  return true;
}

function isPublicIpv6(ip: string): boolean {
  const l = ip.toLowerCase();
  return !(l === '::1' || l === '::' || l.startsWith('fe80:') || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('ff'));
}

/** Replaces e-mail addresses and public IP addresses in a text. */
export function replacePii(text: string, opts: PiiOptions = {}): string {
  let out = text;
  if (opts.emails !== false && out.includes('@')) out = out.replace(EMAIL, opts.emailReplacement ?? EMAIL_REPLACEMENT);
  if (opts.ips !== false) {
    const rep = opts.ipReplacement ?? IP_REPLACEMENT;
    out = out.replace(IPV4, (m) => (isPublicIpv4(m) ? rep : m));
    if (out.includes(':')) out = out.replace(IPV6, (m) => (isIP(m) === 6 && isPublicIpv6(m) ? rep : m));
  }
  return out;
}
