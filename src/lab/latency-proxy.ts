import net from 'node:net';

export interface LatencyProxyOptions {
  /** Where to forward (127.0.0.1 or another loopback address only). */
  targetHost: string;
  targetPort: number;
  /** Added to every chunk in each direction, so one round trip costs 2 × delayMs. */
  delayMs: number;
  /** Once a connection has been idle this long, stop forwarding on it without closing it (NAT drop). */
  blackholeAfterIdleMs?: number;
  host?: string;
}

export interface LatencyProxy {
  port: number;
  host: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy that delays bytes each way. It cannot delay the TCP handshake itself (the kernel
 * accepts before user space sees the connection), so it models latency on data, not on SYN/SYN-ACK.
 */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ noDelay: true }, (client) => {
    accepted++;
    const upstream = net.connect({ host: options.targetHost, port: options.targetPort, noDelay: true });
    sockets.add(client).add(upstream);
    let blackholed = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const armBlackhole = (): void => {
      if (!options.blackholeAfterIdleMs || blackholed) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        blackholed = true;
      }, options.blackholeAfterIdleMs);
      idleTimer.unref();
    };
    const pipe = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk) => {
        if (blackholed) return;
        armBlackhole();
        setTimeout(() => {
          if (!to.destroyed && !blackholed) to.write(chunk);
        }, options.delayMs);
      });
      from.on('end', () => {
        setTimeout(() => {
          if (!blackholed) to.end();
        }, options.delayMs);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        setTimeout(() => {
          if (!blackholed) to.destroy();
        }, options.delayMs);
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
    armBlackhole();
    const forget = (): void => {
      clearTimeout(idleTimer);
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', forget);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    host,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
