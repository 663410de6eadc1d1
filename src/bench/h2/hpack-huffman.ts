import { H2ProtocolError } from '../../errors.js';

/**
 * Code lengths of the HPACK Huffman code, symbols 0–255 then EOS (256): RFC 7541 Appendix B.
 * The code is canonical (codes of one length are consecutive, in symbol order), so the lengths
 * alone define it; the codes are rebuilt below and checked by the RFC's examples (Appendix C.4, C.6).
 */
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;

/** The canonical codes, by symbol (also used by the tests' encoder to build Huffman strings). */
export const HUFFMAN_CODES: readonly number[] = (() => {
  const order = CODE_LENGTHS.map((_, s) => s).sort((a, b) => CODE_LENGTHS[a]! - CODE_LENGTHS[b]! || a - b);
  const codes: number[] = [];
  let code = 0;
  let len = CODE_LENGTHS[order[0]!]!;
  order.forEach((s, i) => {
    if (i > 0) {
      code = (code + 1) * 2 ** (CODE_LENGTHS[s]! - len);
      len = CODE_LENGTHS[s]!;
    }
    codes[s] = code;
  });
  return codes;
})();
export const HUFFMAN_LENGTHS: readonly number[] = CODE_LENGTHS;

/**
 * A decoding automaton that eats 4 bits at a time (the shape nghttp2 uses): a state is a node of the
 * code tree; per state and nibble, the next state and the symbol completed on the way (at most one:
 * the shortest code is 5 bits). Bit-by-bit walking was the decoder's cost in a profile; this is one
 * table lookup per nibble.
 */
const NIBBLE_NEXT = new Uint16Array(256 * 16);
/** The symbol completed by that nibble, -1 for none, -2 when the nibble walks into EOS (an error). */
const NIBBLE_SYM = new Int16Array(256 * 16);
/** The string may end in this state: the bits since the last symbol are all ones and fewer than 8 (RFC 7541 §5.2). */
const ACCEPTS = new Uint8Array(256);

(() => {
  // the tree: internal nodes 0..255, child slot >= 0 an internal node, < 0 a leaf (-1 - symbol)
  const child = new Int32Array(256 * 2).fill(0x7fffffff);
  let nodes = 1;
  for (let s = 0; s <= EOS; s++) {
    const len = CODE_LENGTHS[s]!;
    const code = HUFFMAN_CODES[s]!;
    let node = 0;
    for (let b = len - 1; b >= 0; b--) {
      const bit = Math.floor(code / 2 ** b) & 1;
      const slot = node * 2 + bit;
      if (b === 0) child[slot] = -1 - s;
      else {
        if (child[slot] === 0x7fffffff) child[slot] = nodes++;
        node = child[slot]!;
      }
    }
  }
  // depth and all-ones of each node's path from the root
  const depth = new Uint8Array(256);
  const ones = new Uint8Array(256);
  ones[0] = 1;
  const walk = (node: number): void => {
    for (let bit = 0; bit < 2; bit++) {
      const c = child[node * 2 + bit]!;
      if (c >= 0) {
        depth[c] = depth[node]! + 1;
        ones[c] = ones[node]! && bit === 1 ? 1 : 0;
        walk(c);
      }
    }
  };
  walk(0);
  for (let n = 0; n < 256; n++) ACCEPTS[n] = n === 0 || (ones[n] === 1 && depth[n]! <= 7) ? 1 : 0;
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let sym = -1;
      for (let b = 3; b >= 0; b--) {
        const c = child[node * 2 + ((nibble >> b) & 1)]!;
        if (c >= 0) node = c;
        else {
          const s = -1 - c;
          if (s === EOS) sym = -2;
          else if (sym === -1) sym = s;
          node = 0;
        }
      }
      NIBBLE_NEXT[state * 16 + nibble] = node;
      NIBBLE_SYM[state * 16 + nibble] = sym;
    }
  }
})();

let scratch = Buffer.allocUnsafe(1024);

/** Decodes a Huffman-coded HPACK string (RFC 7541 §5.2) from `src[start..end)`, as latin1 (octets kept). */
export function huffmanDecode(src: Buffer, start: number, end: number): string {
  // every symbol is at least 5 bits: at most 8/5 output bytes per input byte
  const max = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < max) scratch = Buffer.allocUnsafe(max);
  const out = scratch;
  let n = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    let k = state * 16 + (byte >> 4);
    let sym = NIBBLE_SYM[k]!;
    state = NIBBLE_NEXT[k]!;
    if (sym >= 0) out[n++] = sym;
    else if (sym === -2) throw new H2ProtocolError('COMPRESSION_ERROR', 'a Huffman-coded HPACK string contains EOS');
    k = state * 16 + (byte & 15);
    sym = NIBBLE_SYM[k]!;
    state = NIBBLE_NEXT[k]!;
    if (sym >= 0) out[n++] = sym;
    else if (sym === -2) throw new H2ProtocolError('COMPRESSION_ERROR', 'a Huffman-coded HPACK string contains EOS');
  }
  if (ACCEPTS[state] !== 1) throw new H2ProtocolError('COMPRESSION_ERROR', 'a Huffman-coded HPACK string has invalid padding');
  return out.toString('latin1', 0, n);
}

/** Huffman-encodes latin1 `s` (for tests that play a server; the engine sends its few headers as plain literals). */
export function huffmanEncode(s: string): Buffer {
  const bytes = Buffer.from(s, 'latin1');
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    const len = CODE_LENGTHS[b]!;
    const code = HUFFMAN_CODES[b]!;
    for (let i = len - 1; i >= 0; i--) {
      acc = (acc << 1) | (Math.floor(code / 2 ** i) & 1);
      if (++bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff);
  return Buffer.from(out);
}
