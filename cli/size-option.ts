import { BYTE_SIZE_HELP, parseByteSize } from '../core/byte-size.js';
import { UsageError } from '../core/errors.js';

/** What a size flag's --help says after its own text. */
export const SIZE_FLAG_HELP = `(${BYTE_SIZE_HELP})`;

/** `n` bytes in the largest binary unit that divides it: 16777216 -> 16M. */
function shortSize(n: number): string {
  for (const [unit, size] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (n % size === 0) return `${n / size}${unit}`;
  return `${n}`;
}

/** Reads a size flag (core/byte-size.ts units) into bytes; bad usage when malformed or out of [min, max]. */
export function sizeOption(value: string, flag: string, o: { min?: number; max?: number; defaultUnit?: string } = {}): number {
  const bytes = parseByteSize(value, o.defaultUnit);
  const { min = 1, max = Number.MAX_SAFE_INTEGER } = o;
  if (bytes === undefined || bytes < min || bytes > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? ` from ${shortSize(min)} to ${shortSize(max)}` : min > 1 ? ` of at least ${shortSize(min)}` : '';
    throw new UsageError(`${flag} must be a size${range} such as 512M or 1GiB, got "${value}"`, { key: flag });
  }
  return bytes;
}
