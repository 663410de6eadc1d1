import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { resolverLookup } from './dns-server.js';

/**
 * A real DNS server in its own process (Debian's dnsmasq) on 127.0.0.1: it answers `*.<domain>` with
 * 127.0.0.1 and refuses every other name (no upstream, no /etc/hosts), so nothing leaves the machine.
 * Out of process, it keeps answering while the test's own event loop is held.
 */
export interface Dnsmasq {
  port: number;
  lookup: LookupFunction;
  close(): Promise<void>;
}

/** Why dnsmasq cannot run here (a test skips with it), or undefined. */
export function dnsmasqMissing(): string | undefined {
  const r = spawnSync('dnsmasq', ['--version'], { stdio: 'ignore' });
  return r.error ? 'dnsmasq is not installed (Debian package dnsmasq)' : undefined;
}

/** A port free for both UDP and TCP on 127.0.0.1 (dnsmasq listens on both). */
async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const tcp = net.createServer();
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => tcp.close(() => r()));
    if (ok) {
      await new Promise<void>((r) => udp.close(() => r()));
      return port;
    }
    if (attempt >= 20) throw new Error('no port free for both UDP and TCP');
  }
}

export async function startDnsmasq(domain: string): Promise<Dnsmasq> {
  const port = await freePort();
  const child = spawn('dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', '--conf-file=/dev/null', '--pid-file=', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--address=/${domain}/127.0.0.1`, '--log-facility=-'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const lookup = resolverLookup(port);
  // ready once it answers (bounded: 15 s, the machine may be busy)
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => lookup(`ready.${domain}`, {}, (err) => resolve(!err)));
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dnsmasq did not start: ${log.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    lookup,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
