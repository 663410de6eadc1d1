import { readFileSync } from 'node:fs';
import { OptionError, UsageError } from '../errors.js';

/**
 * The one grammar of option values, shared by the library (bench's matrix spec, the register entry's
 * CONNSCOPE_* variables) and every CLI subcommand. Each parser takes the raw text and the name to blame
 * (a flag, a variable, an option key) and throws OptionError: `invalid <name> '<raw>' (expected …)`.
 * It sits below bench, run and cli so that none of them imports upwards to reach it.
 */

export interface Range {
  /** Smallest accepted value, inclusive (ms for durations). */
  min?: number;
  /** Largest accepted value, inclusive (ms for durations). */
  max?: number;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** What a duration looks like, for help texts and errors. */
export const DURATION_SYNTAX = 'a duration such as 500ms, 2s, 5m, 1h, or a bare number of seconds';

/** A duration in ms, short and exact where possible: 500ms, 2s, 5m, 1h. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

function rangeText(r: Range, show: (n: number) => string): string {
  const { min, max } = r;
  if (min !== undefined && max !== undefined) return `from ${show(min)} to ${show(max)}`;
  if (min !== undefined) return `at least ${show(min)}`;
  if (max !== undefined) return `at most ${show(max)}`;
  return '';
}

function inRange(n: number, r: Range): boolean {
  return (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max);
}

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i;

/** The text is written in the duration grammar (whatever its range): tells a value from a URL swallowed by an optional-value flag. */
export function looksLikeDuration(raw: string): boolean {
  return DURATION.test(raw);
}

/**
 * `500ms`, `2s`, `1.5m`, `1h`, or a bare number of seconds (as curl's --max-time and watch -n), into ms.
 * Units are case-insensitive; no sign, no exponent. `range` is in ms (default: 0 and above).
 */
export function parseDuration(raw: string, name = 'duration', range: Range = { min: 0 }): number {
  const m = DURATION.exec(raw);
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2]?.toLowerCase() ?? 's') as keyof typeof UNIT_MS] : NaN;
  if (!Number.isFinite(ms) || !inRange(ms, range)) {
    const limits = rangeText(range, formatDuration);
    throw new OptionError(name, raw, `${DURATION_SYNTAX}${limits && limits !== 'at least 0ms' ? `, ${limits}` : ''}`);
  }
  return ms;
}

/** A whole number in `range` (decimal digits only: no `1e3`, no `0x10`, no blanks). */
export function parseInteger(raw: string, name: string, range: Range = {}): number {
  const n = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || !inRange(n, range)) {
    const limits = rangeText(range, String);
    throw new OptionError(name, raw, `an integer${limits ? ` ${limits}` : ''}`);
  }
  return n;
}

/** A decimal number in `range`; `above` excludes its bound (a rate of 0 means nothing). */
export function parseNumber(raw: string, name: string, range: Range & { above?: number } = {}): number {
  const n = /^\s*-?\d+(?:\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || !inRange(n, range) || (range.above !== undefined && !(n > range.above))) {
    const limits = range.above !== undefined
      ? `above ${range.above}${range.max !== undefined ? ` and at most ${range.max}` : ''}`
      : rangeText(range, String);
    throw new OptionError(name, raw, `a number${limits ? ` ${limits}` : ''}`);
  }
  return n;
}

/** Requests per second: above 0, at most `max`. */
export function parseRate(raw: string, name: string, max = 1_000_000): number {
  const n = /^\s*\d+(?:\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(n > 0 && n <= max)) throw new OptionError(name, raw, `requests per second, above 0 and at most ${max}`);
  return n;
}

/** One of `values`, exactly as written (no case folding: `Warn` is not `warn`). */
export function parseEnum<T extends string>(raw: string, name: string, values: readonly T[]): T {
  if (!(values as readonly string[]).includes(raw)) throw new OptionError(name, raw, `one of ${values.join(', ')}`);
  return raw as T;
}

/** on/off, also true/false, yes/no, 1/0, in any case. */
export function parseOnOff(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(v)) return true;
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  throw new OptionError(name, raw, 'on or off');
}

/** A non-empty path (a file to write later). */
export function parsePath(raw: string, name: string): string {
  if (raw.trim() === '') throw new OptionError(name, raw, 'a file path');
  return raw;
}

/** Reads the file an option names (--ca, --data @file); an unreadable file is a usage error, not a stack trace. */
export function readOptionFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${name} file '${path}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
