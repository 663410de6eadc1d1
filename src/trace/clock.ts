import { performance } from 'node:perf_hooks';

/**
 * process.hrtime() as read when this module loaded: a host that replaces it later (fake timers in
 * its tests) does not move the tracer's clock.
 */
const hrtime = process.hrtime;

/**
 * performance.now() minus process.hrtime() in ms. Both read libuv's monotonic clock (uv_hrtime):
 * performance.now() is that clock less the process's time origin, so the difference is a constant,
 * estimated here from the pair of reads closest together (its error is at most half that gap, well
 * under a microsecond).
 */
function calibrate(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 16; i++) {
    const a = hrtime();
    const p = performance.now();
    const b = hrtime();
    const before = a[0] * 1e3 + a[1] / 1e6;
    const after = b[0] * 1e3 + b[1] / 1e6;
    if (after - before < best) {
      best = after - before;
      offset = p - (before + after) / 2;
    }
  }
  return offset;
}

const OFFSET = calibrate();

/**
 * One monotonic clock for every mark the tracer takes, in performance.now() milliseconds (the
 * timeline of Node's perf entries, which perf-entries.ts compares marks with). Read through
 * process.hrtime() instead of performance.now(), whose brand check is a hasOwnProperty call per read
 * (54 instructions) that V8 does not inline: a read in a loop costs about 120 instructions against 260
 * (callgrind, 200,000 reads each); inlined into the tracer's optimised handlers the saving is about 25
 * a read, four reads per counted request (docs/run.md, "Cost per level").
 */
export function now(): number {
  const t = hrtime();
  return t[0] * 1e3 + t[1] / 1e6 + OFFSET;
}

/**
 * The mark of a time read from process.hrtime()'s clock, in ms (a V8 CPU profile's timestamps, which
 * are its µs): the same constant shift that now() adds.
 */
export function markOfHrtimeMs(ms: number): number {
  return ms + OFFSET;
}

/** Wall-clock epoch ms of a monotonic mark. */
export function epochOf(mark: number): number {
  return performance.timeOrigin + mark;
}
