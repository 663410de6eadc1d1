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
 */
export class NetTimings {
  private readonly entries: Entry[] = [];
  private observer: PerformanceObserver | undefined;

  start(): void {
    this.observer = new PerformanceObserver((list) => this.add(list.getEntries()));
    this.observer.observe({ entryTypes: ['dns', 'net'] });
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.entries.length = 0;
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
    if (this.observer) this.add(this.observer.takeRecords());
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
