import pc from 'picocolors';
import type { Severity } from '../../model/finding.js';

/** Colors that turn into plain text when off (NO_COLOR, --no-color, not a TTY). */
export type Palette = ReturnType<typeof pc.createColors>;

export function palette(color: boolean): Palette {
  return pc.createColors(color);
}

/** Milliseconds for humans: 0.42, 3.4, 27, 1.2 s. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (n < 1024) return `${n} B`;
  return `${(n / 1024).toFixed(1)} KiB`;
}

export function fmtBool(b: boolean | null | undefined, yes = 'yes', no = 'no'): string {
  return b === null || b === undefined ? '-' : b ? yes : no;
}

export function severityLabel(s: Severity, p: Palette): string {
  if (s === 'error') return p.red(p.bold('ERROR'));
  if (s === 'warn') return p.yellow(p.bold('WARN '));
  return p.cyan('INFO ');
}

/** A section heading. */
export function heading(title: string, p: Palette): string {
  return `\n${p.bold(title)}\n`;
}

/** `label  value` lines with aligned values; null/undefined values print as '-'. */
export function keyValues(rows: [string, string | number | null | undefined][], p: Palette, indent = '  '): string {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${p.dim(k.padEnd(w))}  ${v === null || v === undefined || v === '' ? '-' : String(v)}`).join('\n') + '\n';
}
