/**
 * How many requests in a row go untraced before the next traced one, when each is traced with
 * probability `rate` on its own: geometric, P(k) = (1 - rate)^k · rate (Infinity at rate 0).
 */
export function untracedRun(rate: number): number {
  if (rate <= 0) return Infinity;
  if (rate >= 1) return 0;
  // 1 - random() is in (0, 1]: log of it is finite
  return Math.floor(Math.log(1 - Math.random()) / Math.log1p(-rate));
}

/**
 * Decides which requests are traced at a `sampleRate` (the client tracer and the servers' share it).
 * Each request is traced with probability `rate`, independently of the others, as a Math.random()
 * draw per request would give; but the draw is made once per traced request: the number of untraced
 * requests before the next traced one follows the geometric distribution, so most requests cost a
 * decrement.
 */
export class Sampler {
  /** Requests still to leave untraced before the next traced one (Infinity at rate 0). */
  private skip: number;

  constructor(readonly rate: number) {
    this.skip = untracedRun(rate);
  }

  /** Whether to trace this request. */
  sampled(): boolean {
    if (this.skip > 0) {
      this.skip--;
      return false;
    }
    this.skip = untracedRun(this.rate);
    return true;
  }
}
