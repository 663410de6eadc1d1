import { fmtMs } from '../terminal/style.js';
import { hbars, type BarItem } from './charts.js';

/** Closes by `side:reason` (the model's and bench's key), largest first, coloured by side. */
export function closeBars(closes: Record<string, number>): string {
  const items: BarItem[] = Object.entries(closes)
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => {
      const [side, ...reason] = key.split(':');
      return { label: `${side}: ${reason.join(':')}`, value: n, cls: `side-${side}` };
    });
  return hbars(items, 'closes by side and reason');
}

/** TLS connections with a full handshake against resumed ones. */
export function fullResumedBars(full: number, resumed: number): string {
  if (full + resumed === 0) return '<p class="note">no TLS handshakes</p>';
  return hbars([
    { label: 'full handshakes', value: full, cls: 'full' },
    { label: 'resumed handshakes', value: resumed, cls: 'resumed' },
  ], 'TLS full vs resumed handshakes');
}

/** Handshake durations side by side (full vs resumed); absent measurements are left out. */
export function handshakeBars(rows: ReadonlyArray<readonly [string, number | null | undefined]>): string {
  const items: BarItem[] = rows
    .filter((r): r is readonly [string, number] => r[1] !== null && r[1] !== undefined)
    .map(([label, ms]) => ({ label, value: ms, text: `${fmtMs(ms)} ms`, cls: label.startsWith('resumed') ? 'resumed' : 'full' }));
  return items.length ? hbars(items, 'handshake time, full vs resumed') : '';
}
