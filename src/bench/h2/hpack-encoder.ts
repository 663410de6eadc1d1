import { encodeInt } from './hpack-integer.js';
import { STATIC_COUNT, STATIC_TABLE } from './hpack-static.js';

/** Fields whose values must not be indexed anywhere on the path (RFC 7541 §7.1.3). */
const SENSITIVE = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * Encodes a header list into one HPACK block without touching the dynamic table: a field that is in
 * the static table whole is its index; otherwise a literal "without indexing" (credentials: "never
 * indexed") naming the static entry when the name is there. With no table state the block is the same
 * on every stream of every connection, so the engine encodes a request once and reuses the bytes.
 * Strings are plain (no Huffman): they are encoded once, so there is nothing to gain per request but
 * a few bytes on the wire.
 */
export function encodeHeaderBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const out: number[] = [];
  for (const [rawName, value] of fields) {
    const name = rawName.toLowerCase();
    let full = 0;
    let named = 0;
    for (let i = 1; i <= STATIC_COUNT; i++) {
      const [n, v] = STATIC_TABLE[i]!;
      if (n !== name) continue;
      named ||= i;
      if (v === value) {
        full = i;
        break;
      }
    }
    if (full && !SENSITIVE.has(name)) {
      encodeInt(out, full, 7, 0x80);
      continue;
    }
    encodeInt(out, named, 4, SENSITIVE.has(name) ? 0x10 : 0x00);
    if (!named) pushString(out, name);
    pushString(out, value);
  }
  return Buffer.from(out);
}

function pushString(out: number[], s: string): void {
  const bytes = Buffer.from(s, 'latin1');
  encodeInt(out, bytes.length, 7, 0x00);
  for (const b of bytes) out.push(b);
}
