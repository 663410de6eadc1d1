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

  override toJSON(): ReturnType<Session['toJSON']> & { summary: CaptureSummary; capture: CaptureFileStats } {
    return { capture: this.capture, summary: this.summary, ...super.toJSON() };
  }
}
