import type { SessionStats } from '../model/accumulator.js';
import type { Facts } from '../model/facts.js';
import { Session } from '../model/session.js';
import type { CaptureSummary } from './summary.js';

/** Counters about the file itself (what was read, what was skipped and why). */
export interface CaptureFileStats {
  file?: string;
  format: 'pcap' | 'pcapng';
  /** The file was gzip-compressed (read through zlib); `bytes` and offsets count the decompressed capture. */
  gzip: boolean;
  linkTypes: number[];
  bytes: number;
  packets: number;
  tcpPackets: number;
  skipped: Record<string, number>;
  /** Connections past maxConnections left out of `connections` (still in the summary and facts). */
  droppedConnections: number;
  /** The input stopped inside a packet (a killed tcpdump): where, in the decompressed capture. Absent when complete. */
  truncated?: { offset: number; message: string };
  firstPacketEpochMs?: number;
  durationMs: number;
  elapsedMs: number;
}

/** A Session built from a capture, plus the capture summary and file counters. */
export class CaptureSession extends Session {
  summary!: CaptureSummary;
  capture!: CaptureFileStats;
  /** The last stats and what they were computed from (see stats()). */
  private statsMemo: { connections: number; requests: number; dropped: number; facts: Facts; stats: SessionStats } | undefined;

  /**
   * The stats of a finished capture are read twice by `pcap --json` (the rules, then the JSON), and each
   * computation walks every record (about 2 % of a 130 MiB run's main thread): they are computed again only
   * when records were added or removed or the facts replaced since. A capture's records are final when
   * analyzeCapture() returns; whoever edits one in place afterwards gets the stats of the records as they were.
   */
  override stats(): SessionStats {
    const m = this.statsMemo;
    // a full request buffer keeps its count when it drops one for another: droppedRequests moves then
    if (m && m.connections === this.connections.size && m.requests === this.requestCount && m.dropped === this.droppedRequests && m.facts === this.facts && this.totals === undefined) {
      return m.stats;
    }
    const stats = super.stats();
    this.statsMemo = { connections: this.connections.size, requests: this.requestCount, dropped: this.droppedRequests, facts: this.facts, stats };
    return stats;
  }

  override toJSON(): ReturnType<Session['toJSON']> & { summary: CaptureSummary; capture: CaptureFileStats } {
    return { capture: this.capture, summary: this.summary, ...super.toJSON() };
  }
}
