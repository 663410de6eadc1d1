import { setTimeout as sleep } from 'node:timers/promises';
import { readTcpSockets, type ReadSocketsOptions } from './proc-net-tcp.js';
import { diffSummaries, summarizeSockets, type SocketDelta, type SocketFilter, type SocketSummary } from './summary.js';

export interface WatchSocketsOptions extends ReadSocketsOptions {
  filter?: SocketFilter;
  intervalMs: number;
  /** Reads to take, the first included (default: until the signal aborts). */
  count?: number;
  signal?: AbortSignal;
}

export interface SocketSample {
  summary: SocketSummary;
  /** Change since the previous read (absent on the first). */
  delta?: SocketDelta;
}

/**
 * Reads the socket table every interval and yields each read with its change since the previous one.
 * Ends after `count` reads or when the signal aborts (a pending wait is cut short, never a hang).
 */
export async function* watchSockets(options: WatchSocketsOptions): AsyncGenerator<SocketSample> {
  let prev: SocketSummary | undefined;
  for (let i = 0; options.count === undefined || i < options.count; i++) {
    if (options.signal?.aborted) return;
    if (i > 0) {
      try {
        await sleep(options.intervalMs, undefined, { signal: options.signal });
      } catch {
        return; // aborted while waiting
      }
    }
    const summary = summarizeSockets(await readTcpSockets(options), options.filter);
    yield prev ? { summary, delta: diffSummaries(prev, summary) } : { summary };
    prev = summary;
  }
}
