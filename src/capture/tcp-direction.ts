/** Receives one direction's bytes in sequence order. */
export interface StreamConsumer {
  /** Contiguous bytes buf[start, end) captured at tsMs. */
  data(buf: Buffer, start: number, end: number, tsMs: number): void;
  /** Bytes were lost (not captured, or too far out of order to keep): what follows is not contiguous. */
  gap(tsMs: number): void;
}

import type { TcpSegment } from './decode.js';
import { SequenceAnalysis } from './tcp-analysis.js';

/** Out-of-order data kept per direction while a consumer waits for a hole to fill. */
const MAX_PENDING_SEGMENTS = 64;
const MAX_PENDING_BYTES = 256 * 1024;
/** Holes remembered to count each byte once when a resend fills them. */
const MAX_HOLES = 32;

interface PendingSegment {
  seq: number;
  length: number;
  data: Buffer;
}

const seqDiff = (a: number, b: number): number => (a - b) | 0;

/**
 * One direction of a TCP connection: unique bytes (holes), tshark's retransmission / out-of-order
 * classification (`analysis`), and, while a consumer wants payload, reassembly into an in-order byte
 * stream with bounded buffering.
 */
export class TcpDirection {
  started = false;
  synSeen = false;
  /** Sequence number after the highest byte seen. */
  private high = 0;
  /** Next sequence number the consumer expects. */
  private expected = 0;
  private holes: number[] = [];
  private pending: PendingSegment[] = [];
  private pendingBytes = 0;
  /** Unique payload bytes seen. */
  bytes = 0;
  segments = 0;
  gaps = 0;
  /** Retransmissions and out-of-order segments as tshark counts them (fed by TcpConnection). */
  readonly analysis = new SequenceAnalysis();
  /**
   * Last payload's time; -Infinity before the first. Always a number, so V8 updates it in place: an
   * `undefined`-able field would get a fresh heap number for every packet (garbage, and a write barrier).
   */
  lastPayloadAt = -Infinity;
  finAt: number | undefined;
  rstAt: number | undefined;
  consumer: StreamConsumer | undefined;

  syn(seq: number): void {
    this.synSeen = true;
    this.started = true;
    this.high = (seq + 1) >>> 0;
    this.expected = this.high;
  }

  /**
   * A segment's payload: seg.payloadLength is what the IP header declares, seg.data[payloadStart, payloadEnd)
   * what was captured. It takes the segment rather than its fields because a sequence number is a 32-bit
   * unsigned value, often outside V8's small integers: passed as an argument to this call (too big to be
   * inlined), it was boxed in a fresh heap number per payload packet; read from the segment's field, it is not.
   */
  payload(seg: TcpSegment, tsMs: number): void {
    const seq = seg.seq;
    const length = seg.payloadLength;
    if (!this.started) {
      // the capture began mid-connection: take the first segment as the start
      this.started = true;
      this.high = seq;
      this.expected = seq;
    }
    this.segments++;
    const segEnd = (seq + length) >>> 0;
    const d = seqDiff(seq, this.high);
    if (d >= 0) {
      if (d > 0) this.addHole(this.high, seq);
      this.high = segEnd;
      this.bytes += length;
    } else {
      this.bytes += this.fillHoles(seq, segEnd);
      const past = seqDiff(segEnd, this.high);
      if (past > 0) {
        this.bytes += past;
        this.high = segEnd;
      }
    }
    this.lastPayloadAt = tsMs;
    if (this.consumer) this.reassemble(seq, length, seg.data, seg.payloadStart, seg.payloadEnd, tsMs);
  }

  /** Stops reassembly: the consumer has what it needs. */
  release(): void {
    this.consumer = undefined;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The direction ended (FIN, RST or end of capture): data still waiting for a hole is delivered after a gap. */
  flush(tsMs: number): void {
    while (this.consumer && this.pending.length > 0) this.skipToPending(tsMs);
  }

  private addHole(from: number, to: number): void {
    this.holes.push(from, to);
    if (this.holes.length > MAX_HOLES * 2) this.holes.splice(0, 2);
  }

  private fillHoles(from: number, to: number): number {
    let filled = 0;
    const h = this.holes;
    for (let i = 0; i < h.length; i += 2) {
      const hs = h[i]!;
      const he = h[i + 1]!;
      const s = seqDiff(from, hs) > 0 ? from : hs;
      const e = seqDiff(to, he) < 0 ? to : he;
      const n = seqDiff(e, s);
      if (n <= 0) continue;
      filled += n;
      const left = seqDiff(s, hs);
      const right = seqDiff(he, e);
      if (left > 0 && right > 0) {
        h.splice(i, 2, hs, s, e, he);
        i += 2;
      } else if (left > 0) {
        h[i + 1] = s;
      } else if (right > 0) {
        h[i] = e;
      } else {
        h.splice(i, 2);
        i -= 2;
      }
    }
    return filled;
  }

  private reassemble(seq: number, length: number, data: Buffer, start: number, end: number, tsMs: number): void {
    const off = seqDiff(this.expected, seq);
    if (off >= length) return; // already delivered
    if (off < 0) {
      if (this.pending.length >= MAX_PENDING_SEGMENTS || this.pendingBytes + (end - start) > MAX_PENDING_BYTES) {
        this.skipToPending(tsMs);
        if (seqDiff(this.expected, seq) < 0) {
          this.gaps++;
          this.consumer?.gap(tsMs);
          this.expected = seq;
        }
        this.deliver(seq, length, data, start, end, tsMs);
        this.drain(tsMs);
        return;
      }
      this.pending.push({ seq, length, data: Buffer.from(data.subarray(start, end)) });
      this.pendingBytes += end - start;
      return;
    }
    this.deliver(seq, length, data, start, end, tsMs);
    this.drain(tsMs);
  }

  private deliver(seq: number, length: number, data: Buffer, start: number, end: number, tsMs: number): void {
    const off = seqDiff(this.expected, seq);
    if (off < end - start) this.consumer?.data(data, start + off, end, tsMs);
    this.expected = (seq + length) >>> 0;
    // a short snaplen cut the payload: the rest was never captured
    if (end - start < length && this.consumer) {
      this.gaps++;
      this.consumer.gap(tsMs);
    }
  }

  private drain(tsMs: number): void {
    let progressed = true;
    while (progressed && this.pending.length > 0 && this.consumer) {
      progressed = false;
      for (let i = 0; i < this.pending.length; i++) {
        const p = this.pending[i]!;
        const off = seqDiff(this.expected, p.seq);
        if (off < 0) continue;
        this.pending.splice(i, 1);
        this.pendingBytes -= p.data.length;
        if (off < p.length) this.deliver(p.seq, p.length, p.data, 0, p.data.length, tsMs);
        progressed = true;
        break;
      }
    }
  }

  /** Gives up on the hole before the earliest pending segment. */
  private skipToPending(tsMs: number): void {
    if (this.pending.length === 0) return;
    let first = this.pending[0]!;
    for (const p of this.pending) if (seqDiff(p.seq, first.seq) < 0) first = p;
    if (seqDiff(first.seq, this.expected) > 0) {
      this.gaps++;
      this.consumer?.gap(tsMs);
      this.expected = first.seq;
    }
    this.drain(tsMs);
  }
}
