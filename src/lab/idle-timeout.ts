import net from 'node:net';

/**
 * Measures how long a server keeps an idle keep-alive connection, as `probe --idle-timeout` does:
 * one request on a raw socket, then the time from the response to the server's close.
 * Resolves undefined when the server keeps the connection past `maxMs` or the exchange fails.
 */
export function measureIdleTimeout(host: string, port: number, maxMs: number, signal?: AbortSignal): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let answeredAt: number | undefined;
    let settled = false;
    const finish = (v: number | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(v);
    };
    const onAbort = (): void => finish(undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish(undefined), maxMs + 2000);
    timer.unref();
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: keep-alive\r\n\r\n`));
    socket.on('data', () => {
      answeredAt ??= performance.now();
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => {
      if (answeredAt === undefined) return finish(undefined);
      const idle = performance.now() - answeredAt;
      finish(idle <= maxMs ? Math.round(idle) : undefined);
    });
  });
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
