import { fmtMs } from '../terminal/style.js';

/** About `count` round tick values from 0 to the first one at or above max (1, 2, 5 × 10^n steps). */
export function niceTicks(max: number, count = 6): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const n = Math.ceil(max / step - 1e-9);
  for (let i = 0; i <= n; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Tick label of a duration axis. */
export function msLabel(ms: number): string {
  return ms === 0 ? '0' : ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${fmtMs(ms)} ms`;
}
