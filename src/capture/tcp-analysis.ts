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

/** What classify() found. */
const NOTHING = 0;
const RETRANSMISSION = 1;
const OUT_OF_ORDER = 2;

/*
 * Why every field is read and every comparison made on every call, into locals, before the branches that
 * use them: V8 compiles this code after a few thousand packets, and throws the compiled code away (with
 * everything inlined around it) the first time it meets an operation it never saw run; a retransmission,
 * a duplicate ACK or a late out-of-order segment may first come by much later. Operations that run for
 * every segment have their type feedback by then; the branches below only combine locals.
 */

/**
 * One segment sent by `fwd`'s side (`rev` is the other direction). `initialRttMs` is SYN → first ACK,
 * 0 when unknown. Called for every segment, pure ACKs included: they carry the duplicate-ACK state.
 */
export function analyzeSegment(
  fwd: SequenceAnalysis, rev: SequenceAnalysis, seq: number, ack: number, seglen: number, flags: number, window: number, ts: number, initialRttMs: number,
): void {
  const nextseq = fwd.nextseq;
  const lastack = fwd.lastack;
  const sameWindow = window === fwd.window;
  const revKeepAlive = rev.lastWasKeepAlive;
  const revWindowZero = rev.window === 0;
  const noSfr = (flags & NO_FLAGS_SFR) === 0;
  const synFin = flags & (SYN | FIN);
  const next = (seq + seglen + (synFin ? 1 : 0)) >>> 0;
  const atNext = seq === nextseq;
  const zeroWindowProbe = seglen === 1 && atNext && revWindowZero;
  const keepAlive = !zeroWindowProbe && seglen <= 1 && seq === ((nextseq - 1) >>> 0) && noSfr;
  const sameAck = ack === lastack;
  // a duplicate ACK: nothing new, same ACK and (open) window as before; the ACK of a keep-alive is not one
  const dupack = !zeroWindowProbe && seglen === 0 && window !== 0 && sameWindow && atNext && sameAck && noSfr && !revKeepAlive;
  fwd.dupacks = sameAck ? fwd.dupacks + (dupack ? 1 : 0) : 0;

  if ((seglen > 0 || synFin) && !keepAlive) {
    const found = classify(fwd, rev, seq, seglen, next, ts, initialRttMs);
    fwd.retransmissions += found === RETRANSMISSION ? 1 : 0;
    fwd.outOfOrder += found === OUT_OF_ORDER ? 1 : 0;
  }

  if ((gt(next, nextseq) || nextseq === 0) && !zeroWindowProbe) {
    fwd.nextseq = next;
    fwd.nextseqAt = ts;
  }
  fwd.window = window;
  fwd.lastack = ack;
  fwd.lastackAt = ts;
  fwd.lastWasKeepAlive = keepAlive;
}

/** A segment carrying data, a SYN or a FIN; `next` is the sequence number after it. */
function classify(fwd: SequenceAnalysis, rev: SequenceAnalysis, seq: number, seglen: number, next: number, ts: number, initialRttMs: number): number {
  const nextseq = fwd.nextseq;
  const revAck = rev.lastack;
  const below = lt(seq, nextseq);
  // one byte below next with more than one byte: new data after a zero-window probe, not a resend
  const afterProbe = seglen > 1 && ((nextseq - 1) >>> 0) === seq;
  const notAdvanced = nextseq !== 0 && below && !afterProbe;
  const endAcked = le((seq + seglen) >>> 0, revAck);
  const dupacked = rev.dupacks >= 2;
  const ackIsSeq = revAck === seq;
  const ackRecent = ts - rev.lastackAt < 20;
  const withinRtt = ts - fwd.nextseqAt < (initialRttMs > 0 ? initialRttMs : 3);
  const endsAtHighest = nextseq === next;
  // data the peer already acknowledged, whatever else it looks like (tshark 4.0 checks this first)
  if (seglen > 0 && revAck !== 0 && endAcked) return RETRANSMISSION;
  if (!notAdvanced) return NOTHING;
  if (dupacked && ackIsSeq && ackRecent) return RETRANSMISSION;
  // a segment ending exactly at the highest sequence number (a late FIN included) is a resend, not out of order
  if (withinRtt && !endsAtHighest) return OUT_OF_ORDER;
  return RETRANSMISSION;
}
