import cliProgress from 'cli-progress';
import type { BenchProgress } from '../bench/options.js';

export interface ProgressView {
  update(p: BenchProgress): void;
  stop(): void;
}

/** A progress bar with live req/s, drawn on a TTY stream only (callers skip it when piped or with --json). */
export function createBenchProgress(stream: NodeJS.WriteStream, label = ''): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label}{phase} [{bar}] {percentage}% | {requests} req | {rate} req/s | {errors} errors`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const total = p.totalRequests ?? p.durationMs ?? 1;
      const value = p.totalRequests !== undefined ? p.requests : Math.min(p.elapsedMs, total);
      const payload = { phase: p.phase === 'warmup' ? 'warm-up' : 'run', requests: p.requests, rate: Math.round(p.currentRate), errors: p.errors };
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
