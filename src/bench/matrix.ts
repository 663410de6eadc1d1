import { UsageError } from '../errors.js';
import { CLIENT_KINDS, resolveOptions, type BenchOptions } from './options.js';
import { parseDuration, parseEnum, parseNumber, parseOnOff } from '../options/grammar.js';
import type { BenchResult } from './run.js';

/** One axis of a matrix: a setting and the values to try. */
export interface MatrixAxis {
  key: MatrixKey;
  values: string[];
}

export const MATRIX_KEYS = [
  'connections', 'concurrency', 'idle-timeout', 'keepalive', 'pipelining', 'max-concurrent-streams',
  'tls-session-cache', 'client', 'rate', 'discard-body',
] as const;
export type MatrixKey = (typeof MATRIX_KEYS)[number];

export const MAX_COMBINATIONS = 64;

/** Parses `connections=5,50 idle-timeout=1s,30s keepalive=on,off` (axes separated by spaces or ';'). */
export function parseMatrix(spec: string): MatrixAxis[] {
  const parts = spec.split(/[\s;]+/).filter(Boolean);
  if (parts.length === 0) throw new UsageError('empty --matrix', "e.g. --matrix 'connections=5,50 keepalive=on,off'");
  const axes: MatrixAxis[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid matrix axis "${part}"`, 'write key=value1,value2');
    const key = part.slice(0, eq).toLowerCase();
    if (!(MATRIX_KEYS as readonly string[]).includes(key)) throw new UsageError(`unknown matrix setting "${key}"`, `one of ${MATRIX_KEYS.join(', ')}`);
    if (axes.some((a) => a.key === key)) throw new UsageError(`matrix setting "${key}" given twice`);
    const values = part.slice(eq + 1).split(',').map((v) => v.trim());
    if (values.length === 0 || values.some((v) => v === '')) throw new UsageError(`matrix setting "${key}" has an empty value`);
    axes.push({ key: key as MatrixKey, values });
  }
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_COMBINATIONS) throw new UsageError(`the matrix has ${total} combinations; at most ${MAX_COMBINATIONS}`);
  return axes;
}

export type Combination = Partial<Record<MatrixKey, string>>;

/** Every combination, first axis varying slowest. */
export function combinations(axes: readonly MatrixAxis[]): Combination[] {
  let out: Combination[] = [{}];
  for (const axis of axes) out = out.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })));
  return out;
}

/** The base options with one combination applied. */
export function applyCombination(base: BenchOptions, c: Combination): BenchOptions {
  const o: BenchOptions = { ...base };
  for (const [key, v] of Object.entries(c) as Array<[MatrixKey, string]>) {
    const name = `matrix ${key}`;
    switch (key) {
      case 'connections': o.connections = parseNumber(v, name); break;
      case 'concurrency': o.concurrency = parseNumber(v, name); break;
      case 'idle-timeout': o.idleTimeoutMs = parseDuration(v, name); break;
      case 'keepalive': o.keepAlive = parseOnOff(v, name); break;
      case 'pipelining': o.pipelining = parseNumber(v, name); break;
      case 'max-concurrent-streams': o.maxConcurrentStreams = parseNumber(v, name); break;
      case 'tls-session-cache': o.tlsSessionCache = parseNumber(v, name); break;
      case 'rate': o.rate = parseNumber(v, name); break;
      case 'discard-body': o.discardBody = parseOnOff(v, name); break;
      case 'client': o.client = parseEnum(v, name, CLIENT_KINDS); break;
    }
  }
  return o;
}

export function combinationLabel(c: Combination): string {
  return Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ');
}

export interface MatrixRow {
  combination: Combination;
  label: string;
  result: BenchResult;
}

export interface MatrixResult {
  axes: MatrixAxis[];
  rows: MatrixRow[];
  /** Stopped by the signal; rows holds the combinations that ran (the last one partial). */
  aborted: boolean;
}

export interface MatrixOptions {
  /** Called before each combination runs. */
  onCombination?: (index: number, total: number, label: string) => void;
}

/**
 * Runs every combination of the matrix with the same base options (same duration or count) and
 * returns one row per combination. Every combination is validated before the first one runs.
 */
export async function benchMatrix(base: BenchOptions, matrix: string | readonly MatrixAxis[], options: MatrixOptions = {}): Promise<MatrixResult> {
  const axes = typeof matrix === 'string' ? parseMatrix(matrix) : [...matrix];
  const combos = combinations(axes);
  const planned = combos.map((c) => {
    const o = applyCombination(base, c);
    resolveOptions(o);
    return o;
  });
  // loaded here, not at the top: parseMatrix and combinations are exported from the light package root
  const { bench } = await import('./run.js');
  const rows: MatrixRow[] = [];
  let aborted = false;
  for (let i = 0; i < planned.length; i++) {
    if (base.signal?.aborted) {
      aborted = true;
      break;
    }
    const label = combinationLabel(combos[i]!);
    options.onCombination?.(i, planned.length, label);
    const result = await bench(planned[i]!);
    rows.push({ combination: combos[i]!, label, result });
    if (result.aborted) {
      aborted = true;
      break;
    }
  }
  return { axes, rows, aborted };
}
