import { probe } from '../probe/probe.js';

/**
 * Measures how long a server keeps an idle keep-alive connection: `probe --idle-timeout` with one request.
 * Resolves undefined when the server keeps the connection past `maxMs` or the exchange fails.
 */
export async function measureIdleTimeout(host: string, port: number, maxMs: number, signal?: AbortSignal): Promise<number | undefined> {
  try {
    const result = await probe(`http://${host}:${port}/`, { requests: 1, idleTimeoutMaxMs: maxMs, timeoutMs: maxMs + 10_000, signal });
    const ms = result.keepAlive.measuredIdleTimeoutMs;
    return ms === null || ms > maxMs ? undefined : ms;
  } catch {
    return undefined;
  }
}

/**
 * Request gaps for a stale-socket race through a link with `delayMs` one way: short gaps that
 * reuse safely, and long ones in the middle of the window (idle − 2 × delay, idle) where the
 * request leaves before the server's FIN arrives and reaches the server after it closed.
 */
export function raceGaps(serverIdleMs: number, delayMs: number, races = 2): number[] {
  const gaps = [0];
  for (let i = 0; i < races; i++) gaps.push(200, Math.max(0, serverIdleMs - delayMs));
  return gaps;
}

/** The server's real idle close, measured once per scenario run and shared by its after-run. */
export async function sharedIdleTimeout(shared: Map<string, unknown>, port: number, fallbackMs: number, signal?: AbortSignal): Promise<number> {
  const known = shared.get('serverIdleMs');
  if (typeof known === 'number') return known;
  const measured = (await measureIdleTimeout('127.0.0.1', port, 5000, signal)) ?? fallbackMs;
  shared.set('serverIdleMs', measured);
  return measured;
}
