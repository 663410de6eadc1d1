import { FIN, RST, SYN } from './decode.js';

/**
 * Wireshark's TCP sequence analysis (epan/dissectors/packet-tcp.c, tcp_analyze_sequence_number),
 * reduced to what decides `tcp.analysis.retransmission` and `tcp.analysis.out_of_order`, so connscope's
 * counts are tshark's counts (checked against tshark 4.0.17, segment for segment, on a real lossy capture
 * and on the test's built one). A segment that carries data, a SYN or a FIN is, in this order:
 *   - a keep-alive (0 or 1 byte at next-1): none of the below;
 *   - a spurious retransmission: it carries data the peer already acknowledged;
 * and, when it does not advance the highest sequence number seen in its direction:
 *   - a fast retransmission: the peer sent >= 2 duplicate ACKs for exactly this seq, the last < 20 ms ago;
 *   - out-of-order: it came within the connection's initial RTT (SYN → ACK; 3 ms when unknown) of the
 *     segment that set the highest sequence number, and does not end exactly there (SYN/FIN included);
 *   - else a retransmission.
 * tshark marks fast and spurious retransmissions `tcp.analysis.retransmission` as well, so `retransmissions`
 * counts all three; `outOfOrder` counts the out-of-order ones. SYN and FIN count, empty ACKs never do.
 */
export class SequenceAnalysis {
  /** Sequence number after the highest byte (SYN and FIN count one) seen; 0 = none yet, as in tshark. */
  nextseq = 0;
  nextseqAt = 0;
  /** The ACK number this direction last sent (0 = none yet, as in tshark), and when. */
  lastack = 0;
  lastackAt = 0;
  /** Duplicate ACKs this direction sent in a row. */
  dupacks = 0;
  /** Raw window field of the last segment; -1 before the first. */
  window = -1;
  /** The last segment was a keep-alive (its ACK is not a duplicate ACK). */
  lastWasKeepAlive = false;
  /** Everything tshark marks tcp.analysis.retransmission (generic, fast, spurious). */
  retransmissions = 0;
  outOfOrder = 0;
}

const NO_FLAGS_SFR = SYN | FIN | RST;
const lt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
const gt = (a: number, b: number): boolean => ((a - b) | 0) > 0;
const le = (a: number, b: number): boolean => ((a - b) | 0) <= 0;

/**
 * One segment sent by `fwd`'s side (`rev` is the other direction). `initialRttMs` is SYN → first ACK,
 * 0 when unknown. Called for every segment, pure ACKs included: they carry the duplicate-ACK state.
 */
export function analyzeSegment(
  fwd: SequenceAnalysis, rev: SequenceAnalysis, seq: number, ack: number, seglen: number, flags: number, window: number, ts: number, initialRttMs: number,
): void {
  let keepAlive = false;
  let zeroWindowProbe = false;
  if (seglen === 1 && seq === fwd.nextseq && rev.window === 0) {
    zeroWindowProbe = true;
  } else {
    keepAlive = seglen <= 1 && seq === ((fwd.nextseq - 1) >>> 0) && (flags & NO_FLAGS_SFR) === 0;
    // a duplicate ACK: nothing new, same ACK and (open) window as before; the ACK of a keep-alive is not one
    if (seglen === 0 && window !== 0 && window === fwd.window && seq === fwd.nextseq && ack === fwd.lastack && (flags & NO_FLAGS_SFR) === 0
      && !rev.lastWasKeepAlive) {
      fwd.dupacks++;
    }
  }
  if (ack !== fwd.lastack) fwd.dupacks = 0;

  const synFin = flags & (SYN | FIN);
  if ((seglen > 0 || synFin) && !keepAlive) classify(fwd, rev, seq, seglen, synFin, ts, initialRttMs);

  const next = (seq + seglen + (synFin ? 1 : 0)) >>> 0;
  if ((gt(next, fwd.nextseq) || fwd.nextseq === 0) && !zeroWindowProbe) {
    fwd.nextseq = next;
    fwd.nextseqAt = ts;
  }
  fwd.window = window;
  fwd.lastack = ack;
  fwd.lastackAt = ts;
  fwd.lastWasKeepAlive = keepAlive;
}

function classify(fwd: SequenceAnalysis, rev: SequenceAnalysis, seq: number, seglen: number, synFin: number, ts: number, initialRttMs: number): void {
  let notAdvanced = fwd.nextseq !== 0 && lt(seq, fwd.nextseq);
  // one byte below next with more than one byte: new data after a zero-window probe, not a resend
  if (seglen > 1 && ((fwd.nextseq - 1) >>> 0) === seq) notAdvanced = false;
  // data the peer already acknowledged, whatever else it looks like (tshark 4.0 checks this first)
  if (seglen > 0 && rev.lastack !== 0 && le((seq + seglen) >>> 0, rev.lastack)) {
    fwd.retransmissions++;
    return;
  }
  if (notAdvanced && rev.dupacks >= 2 && rev.lastack === seq && ts - rev.lastackAt < 20) {
    fwd.retransmissions++;
    return;
  }
  const threshold = initialRttMs > 0 ? initialRttMs : 3;
  // a segment ending exactly at the highest sequence number (a late FIN included) is a resend, not out of order
  if (notAdvanced && ts - fwd.nextseqAt < threshold && fwd.nextseq !== ((seq + seglen + (synFin ? 1 : 0)) >>> 0)) {
    fwd.outOfOrder++;
    return;
  }
  if (notAdvanced) fwd.retransmissions++;
}
