// The one meaning of a size on kiln's command line (--memory, --shard-size, --part-mb): binary
// units, because memory and file systems count in powers of two and two parsers that disagreed
// (dedupe read 1G as 10^9, shard as 1024^3) made the same flag mean two budgets.

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

const SIZE_RE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i;

/** How --help describes a size. */
export const BYTE_SIZE_HELP = 'binary units: K, KB, KiB = 1024 bytes; M, MB, MiB = 1024^2; G, GB, GiB = 1024^3';

/** Parses `512M`, `1GiB`, `1.5G`, `4096` to bytes (binary units; a bare number is in `defaultUnit`); undefined when malformed. */
export function parseByteSize(text: string, defaultUnit = 'b'): number | undefined {
  const m = SIZE_RE.exec(text);
  if (!m) return undefined;
  const unit = UNITS[(m[2] || defaultUnit).toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(m[1]) * unit);
}
