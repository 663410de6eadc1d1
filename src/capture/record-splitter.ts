import type { CaptureTruncation } from './packet-sink.js';

/**
 * Cuts a byte stream into length-prefixed records without copying whole chunks: only a record that
 * straddles two chunks is copied. Subclasses say how long a record is from its first headerBytes.
 */
export abstract class RecordSplitter {
  /** File offset of the next byte not yet consumed as a record. */
  protected offset = 0;
  private pending: Buffer | null = null;

  /** Bytes needed before recordLength() can answer. */
  protected abstract headerBytes(): number;
  /** Total length of the record starting at pos; throws CaptureFormatError on nonsense. */
  protected abstract recordLength(buf: Buffer, pos: number): number;
  protected abstract handleRecord(buf: Buffer, pos: number, length: number, fileOffset: number): void;

  feed(input: Buffer): void {
    let chunk = input;
    if (this.pending) {
      const done = this.completePending(chunk);
      if (done < 0) return;
      chunk = chunk.subarray(done);
    }
    const pos = this.scan(chunk, 0);
    // copy the tail so the (large) chunk it came from can be collected
    if (pos < chunk.length) this.pending = Buffer.from(chunk.subarray(pos));
  }

  /**
   * Hands over the complete records in chunk from pos on; returns where the first incomplete one starts.
   * A format may override it with a loop specialised for its records.
   */
  protected scan(chunk: Buffer, from: number): number {
    let pos = from;
    const n = chunk.length;
    for (;;) {
      if (n - pos < this.headerBytes()) break;
      const len = this.recordLength(chunk, pos);
      if (len > n - pos) break;
      this.handleRecord(chunk, pos, len, this.offset);
      pos += len;
      this.offset += len;
    }
    return pos;
  }

  /** Completes the record that started in an earlier chunk; returns bytes used from chunk, or -1 if still incomplete. */
  private completePending(chunk: Buffer): number {
    let rec = this.pending!;
    let used = 0;
    const header = this.headerBytes();
    if (rec.length < header) {
      used = Math.min(header - rec.length, chunk.length);
      rec = Buffer.concat([rec, chunk.subarray(0, used)]);
      if (rec.length < header) {
        this.pending = rec;
        return -1;
      }
    }
    const len = this.recordLength(rec, 0);
    const missing = len - rec.length;
    if (missing > chunk.length - used) {
      this.pending = Buffer.concat([rec, chunk.subarray(used)]);
      return -1;
    }
    if (missing > 0) rec = Buffer.concat([rec, chunk.subarray(used, used + missing)]);
    used += Math.max(0, missing);
    this.pending = null;
    this.handleRecord(rec, 0, len, this.offset);
    this.offset += len;
    return used;
  }

  /** Says where input ended inside a record (what a killed tcpdump leaves), or undefined when it did not. */
  protected truncation(what: string): CaptureTruncation | undefined {
    if (!this.pending || this.pending.length === 0) return undefined;
    return { offset: this.offset, message: `truncated ${what}: file ends ${this.pending.length} bytes into it` };
  }
}
