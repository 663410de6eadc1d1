/** Thrown by ByteCursor when a structure runs past its bounds; parsers turn it into "unparsable". */
export class MalformedError extends Error {}

/** Bounds-checked big-endian reads over buf[pos, end). */
export class ByteCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new MalformedError(`${what} runs past its bounds`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A sub-cursor over the next n bytes (length-prefixed vectors). */
  sub(n: number, what = 'vector'): ByteCursor {
    this.need(n, what);
    const c = new ByteCursor(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return c;
  }
}
