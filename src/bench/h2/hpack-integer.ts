import { H2ProtocolError } from '../../errors.js';

/** Largest integer the decoder accepts (RFC 7541 §5.1 leaves the limit to the implementation). */
const MAX_INT = 2 ** 31 - 1;

/**
 * Reads an HPACK integer with an N-bit prefix (RFC 7541 §5.1) at `src[pos]`; returns the value and
 * stores the position after it in `cursor.pos`. A value above 2^31-1, or one that runs past `end`, is a
 * COMPRESSION_ERROR (so at most 5 continuation bytes are read, never an endless run).
 */
export function decodeInt(src: Buffer, pos: number, end: number, prefixBits: number, cursor: { pos: number }): number {
  const mask = (1 << prefixBits) - 1;
  let value = src[pos]! & mask;
  pos++;
  if (value < mask) {
    cursor.pos = pos;
    return value;
  }
  let shift = 0;
  for (;;) {
    if (pos >= end) throw new H2ProtocolError('COMPRESSION_ERROR', 'an HPACK integer runs past the end of the header block');
    const b = src[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (value > MAX_INT) throw new H2ProtocolError('COMPRESSION_ERROR', 'an HPACK integer is above 2^31-1');
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  cursor.pos = pos;
  return value;
}

/** Appends an HPACK integer with an N-bit prefix; `first` holds the pattern bits above the prefix. */
export function encodeInt(out: number[], value: number, prefixBits: number, first: number): void {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out.push(first | value);
    return;
  }
  out.push(first | mask);
  value -= mask;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
}
