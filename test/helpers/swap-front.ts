import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP front that sends its first connection to `firstPort` and every later one to `laterPort`: a
 * client's check before the load meets one server, the connections of the load meet another (used to
 * prove that every connection verifies its server, not only the first).
 */
export async function swapFront(firstPort: number, laterPort: number): Promise<{ url: string; reset: () => void; close: () => Promise<void> }> {
  let accepted = 0;
  const front = net.createServer((sock) => {
    const up = net.connect(++accepted === 1 ? firstPort : laterPort, '127.0.0.1');
    sock.on('error', () => undefined);
    up.on('error', () => sock.destroy());
    sock.pipe(up).pipe(sock);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(front.address() as AddressInfo).port}/`,
    reset: () => (accepted = 0),
    close: () => new Promise<void>((r) => front.close(() => r())),
  };
}
