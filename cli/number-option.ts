import { UsageError } from '../core/errors.js';

/** Reads an integer flag (undefined stays undefined); bad usage when it is not an integer >= min. */
export function intOption(value: string | undefined, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${value}"`, { key: flag });
  return n;
}

/** Reads a number flag; bad usage when it is not a finite number >= min. */
export function numberOption(value: string, flag: string, min = 0): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} must be a number >= ${min}, got "${value}"`, { key: flag });
  return n;
}

/** Reads a flag that takes one of a few words; bad usage otherwise. */
export function choiceOption<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got "${value}"`, { key: flag });
  return value as T;
}
