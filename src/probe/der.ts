/** One DER element: its tag byte and its content (a view into the input, no copy). */
export interface DerElement {
  tag: number;
  content: Buffer;
}

/**
 * The elements directly inside `buf` (a run of DER elements), or null when the bytes are not well-formed DER.
 * Only definite lengths up to 4 length bytes: enough for certificates and serialized TLS sessions, and it never
 * reads past the buffer.
 */
export function derChildren(buf: Buffer): DerElement[] | null {
  const out: DerElement[] = [];
  let i = 0;
  while (i < buf.length) {
    if (i + 2 > buf.length) return null;
    const tag = buf[i++]!;
    // high-tag-number form (0x1f) does not occur in the structures read here
    if ((tag & 0x1f) === 0x1f) return null;
    let len = buf[i++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || i + n > buf.length) return null;
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + buf[i++]!;
    }
    if (i + len > buf.length) return null;
    out.push({ tag, content: buf.subarray(i, i + len) });
    i += len;
  }
  return out;
}

/** The content of the single element `buf` holds when it has tag `tag` (e.g. 0x30 SEQUENCE), else null. */
export function derUnwrap(buf: Buffer, tag: number): Buffer | null {
  const els = derChildren(buf);
  return els && els.length === 1 && els[0]!.tag === tag ? els[0]!.content : null;
}

/** A non-negative DER INTEGER (content bytes) as a number, null beyond 2^53. */
export function derUint(content: Buffer): number | null {
  if (content.length === 0 || content.length > 7) return null;
  let n = 0;
  for (const b of content) n = n * 256 + b;
  return n;
}

/** Dotted form of an OBJECT IDENTIFIER's content bytes. */
export function derOid(content: Buffer): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}
