import { performance } from 'node:perf_hooks';

/** One monotonic clock for every mark the tracer takes (performance.now() milliseconds). */
export const now: () => number = performance.now.bind(performance);

/** Wall-clock epoch ms of a monotonic mark. */
export function epochOf(mark: number): number {
  return performance.timeOrigin + mark;
}
