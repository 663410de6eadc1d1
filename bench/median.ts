/**
 * The median of the bench scripts' rounds and ratios: the middle value, or the mean of the two middle ones
 * for an even count (taking the upper one, as several scripts did, reported the better of two rounds).
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
