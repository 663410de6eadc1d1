import { distribution, type Distribution } from '../model/stats.js';

/** Keeps at most `cap` values (reservoir sampling past that) so distributions stay cheap on huge captures. */
export class BoundedSample {
  private values: number[] = [];
  private seen = 0;
  private seed = 0x2545f491;

  constructor(private readonly cap = 50_000) {}

  add(v: number): void {
    this.seen++;
    if (this.values.length < this.cap) {
      this.values.push(v);
      return;
    }
    // xorshift: deterministic, so the same capture gives the same summary
    this.seed ^= this.seed << 13;
    this.seed ^= this.seed >>> 17;
    this.seed ^= this.seed << 5;
    const i = (this.seed >>> 0) % this.seen;
    if (i < this.cap) this.values[i] = v;
  }

  get count(): number {
    return this.seen;
  }

  distribution(): Distribution | undefined {
    const d = distribution(this.values);
    return d ? { ...d, count: this.seen } : undefined;
  }

  min(): number | undefined {
    let m: number | undefined;
    for (const v of this.values) if (m === undefined || v < m) m = v;
    return m;
  }

  max(): number | undefined {
    let m: number | undefined;
    for (const v of this.values) if (m === undefined || v > m) m = v;
    return m;
  }
}
