import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

interface Entry {
  type: 'dns' | 'net';
  start: number;
  end: number;
  host: string;
  port?: number;
}

/** Entries kept; connections older than this window are already settled. */
const MAX_ENTRIES = 256;

/**
 * Node reports each DNS lookup and TCP connect as perf_hooks 'dns' / 'net' entries. undici opens
 * sockets inside its connector where we cannot attach listeners before connect, so its dns/connect
 * split comes from these entries, matched by host/port and time. takeRecords() makes them available
 * synchronously instead of on the observer's next callback.
 *
 * 'dns' is observed throughout (Node marks the lookup request, nothing of the socket). 'net' only
 * while a TLS connect is under way (wantConnects/releaseConnects), the one case where the TCP
 * connect's end is not the moment undici reports the connection: while anyone observes 'net', Node
 * puts a property on every socket it connects (its perf context), which gives those sockets one
 * more hidden class, and Node's stream code that every request runs through (the `destroyed`
 * getter, writes, reads) went megamorphic on it — about 2,000 instructions per undici request.
 */
export class NetTimings {
  private readonly entries: Entry[] = [];
  private dns: PerformanceObserver | undefined;
  private net: PerformanceObserver | undefined;
  private connects = 0;

  start(): void {
    this.dns = new PerformanceObserver((list) => this.add(list.getEntries()));
    this.dns.observe({ entryTypes: ['dns'] });
  }

  stop(): void {
    this.dns?.disconnect();
    this.dns = undefined;
    this.net?.disconnect();
    this.net = undefined;
    this.connects = 0;
    this.entries.length = 0;
  }

  /** A TLS connect began: TCP connect entries are wanted until its releaseConnects(). */
  wantConnects(): void {
    if (this.connects++ > 0 || !this.dns) return;
    this.net = new PerformanceObserver((list) => this.add(list.getEntries()));
    this.net.observe({ entryTypes: ['net'] });
  }

  /** A TLS connect ended (settled or failed): the last one stops observing 'net'. */
  releaseConnects(): void {
    if (this.connects === 0 || --this.connects > 0) return;
    this.net?.disconnect();
    this.net = undefined;
  }

  private add(list: readonly PerformanceEntry[]): void {
    for (const e of list) {
      const detail = (e as PerformanceEntry & { detail?: { host?: string; hostname?: string; port?: number } }).detail ?? {};
      if (e.entryType === 'net' && e.name === 'connect') {
        this.entries.push({ type: 'net', start: e.startTime, end: e.startTime + e.duration, host: detail.host ?? '', port: detail.port });
      } else if (e.entryType === 'dns' && e.name === 'lookup') {
        this.entries.push({ type: 'dns', start: e.startTime, end: e.startTime + e.duration, host: detail.hostname ?? '' });
      }
    }
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  private flush(): void {
    if (this.dns) this.add(this.dns.takeRecords());
    if (this.net) this.add(this.net.takeRecords());
  }

  /** Claims the first unclaimed entry of a kind within [from, to] matching host/port. */
  take(type: 'dns' | 'net', from: number, to: number, match: { host?: string; port?: number }): { start: number; end: number } | undefined {
    this.flush();
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.type !== type || e.start < from - 1 || e.end > to + 1) continue;
      if (type === 'dns' && match.host !== undefined && e.host !== match.host) continue;
      if (type === 'net' && match.port !== undefined && e.port !== match.port) continue;
      this.entries.splice(i, 1);
      return { start: e.start, end: e.end };
    }
    return undefined;
  }
}
