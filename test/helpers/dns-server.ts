import dgram from 'node:dgram';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * A DNS server on 127.0.0.1 (UDP, port 0) that answers every A query with 127.0.0.1 after a set delay
 * (AAAA and other types: no answer). It never forwards anything: names resolved through it stay on the
 * machine. `queries` counts the questions it received (the test's ground truth).
 */
export interface SlowDns {
  port: number;
  readonly queries: number;
  /** A net/http `lookup` that asks only this server (dns.Resolver: c-ares, not the libuv threadpool). */
  lookup: LookupFunction;
  close(): Promise<void>;
}

export async function slowDnsServer(delayMs: number): Promise<SlowDns> {
  const socket = dgram.createSocket('udp4');
  let queries = 0;
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    queries++;
    const reply = answer(msg);
    const t = setTimeout(() => {
      timers.delete(t);
      socket.send(reply, rinfo.port, rinfo.address);
    }, delayMs);
    timers.add(t);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  const lookup = resolverLookup(port);
  return {
    port,
    get queries() {
      return queries;
    },
    lookup,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        socket.close(() => resolve());
      }),
  };
}

/** A net/http `lookup` asking only the DNS server on 127.0.0.1:port (dns.Resolver: c-ares, not the libuv threadpool). */
export function resolverLookup(port: number): LookupFunction {
  const resolver = new dns.Resolver({ timeout: 5000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return ((host: string, options: dns.LookupOptions, cb: (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    resolver.resolve4(host, (err, addresses) => {
      if (err) return cb(err, '');
      if (options.all) cb(null, addresses.map((address) => ({ address, family: 4 })));
      else cb(null, addresses[0]!, 4);
    });
  }) as LookupFunction;
}

/** The response to one query: same id and question, A 127.0.0.1 (TTL 0) for type A. */
function answer(query: Buffer): Buffer {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end]! + 1;
  end += 5; // zero label, QTYPE, QCLASS
  const question = query.subarray(12, end);
  const qtype = query.readUInt16BE(end - 4);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8180, 2); // response, recursion desired + available, NOERROR
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
  if (qtype !== 1) return Buffer.concat([header, question]);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1]);
  return Buffer.concat([header, question, rr]);
}
