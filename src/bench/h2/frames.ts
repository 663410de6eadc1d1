import { H2ProtocolError } from '../../errors.js';

/** HTTP/2 frame types, flags, settings and limits (RFC 9113 §6, §11.2). */
export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
export const SETTING = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5, MAX_HEADER_LIST_SIZE: 6 } as const;
export const ERROR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, FLOW_CONTROL_ERROR: 3, STREAM_CLOSED: 5, FRAME_SIZE_ERROR: 6, REFUSED_STREAM: 7, CANCEL: 8, COMPRESSION_ERROR: 9 } as const;
export const MAX_WINDOW = 2 ** 31 - 1;
export const DEFAULT_WINDOW = 65_535;
export const MIN_MAX_FRAME_SIZE = 16_384;
export const MAX_MAX_FRAME_SIZE = 2 ** 24 - 1;
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const HEADER = 9;

/** Writes a frame header at `buf[off]`. */
export function writeFrameHeader(buf: Buffer, off: number, length: number, type: number, flags: number, streamId: number): void {
  buf[off] = length >>> 16;
  buf[off + 1] = (length >>> 8) & 0xff;
  buf[off + 2] = length & 0xff;
  buf[off + 3] = type;
  buf[off + 4] = flags;
  buf.writeUInt32BE(streamId & MAX_WINDOW, off + 5);
}

export function frame(type: number, flags: number, streamId: number, payload?: Buffer): Buffer {
  const len = payload?.length ?? 0;
  const b = Buffer.allocUnsafe(HEADER + len);
  writeFrameHeader(b, 0, len, type, flags, streamId);
  payload?.copy(b, HEADER);
  return b;
}

export function settingsFrame(entries: ReadonlyArray<readonly [number, number]>): Buffer {
  const p = Buffer.allocUnsafe(entries.length * 6);
  entries.forEach(([id, value], i) => {
    p.writeUInt16BE(id, i * 6);
    p.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, p);
}

export const SETTINGS_ACK = frame(FRAME.SETTINGS, FLAG.ACK, 0);

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const p = Buffer.allocUnsafe(4);
  p.writeUInt32BE(increment, 0);
  return frame(FRAME.WINDOW_UPDATE, 0, streamId, p);
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const p = Buffer.allocUnsafe(4);
  p.writeUInt32BE(code, 0);
  return frame(FRAME.RST_STREAM, 0, streamId, p);
}

export function goawayFrame(lastStreamId: number, code: number): Buffer {
  const p = Buffer.allocUnsafe(8);
  p.writeUInt32BE(lastStreamId, 0);
  p.writeUInt32BE(code, 4);
  return frame(FRAME.GOAWAY, 0, 0, p);
}

/**
 * HEADERS (+ CONTINUATION when the block is above the peer's SETTINGS_MAX_FRAME_SIZE) for one
 * stream, as one buffer. Only the stream id differs from stream to stream: see HeadersTemplate.
 */
export function headersFrames(block: Buffer, streamId: number, endStream: boolean, maxFrameSize: number): Buffer {
  const parts: Buffer[] = [];
  for (let off = 0, first = true; first || off < block.length; first = false) {
    const len = Math.min(maxFrameSize, block.length - off);
    const last = off + len >= block.length;
    const flags = (last ? FLAG.END_HEADERS : 0) | (first && endStream ? FLAG.END_STREAM : 0);
    parts.push(frame(first ? FRAME.HEADERS : FRAME.CONTINUATION, flags, streamId, block.subarray(off, off + len)));
    off += len;
  }
  return Buffer.concat(parts);
}

/** Called once per complete frame; `payload` is a view valid only during the call. */
export type OnFrame = (type: number, flags: number, streamId: number, payload: Buffer) => void;

/**
 * Splits the byte stream into frames. A frame above `maxFrameSize` (the SETTINGS_MAX_FRAME_SIZE the
 * client announced) is a FRAME_SIZE_ERROR before any of its payload is kept, so the most a hostile
 * server makes it hold is one frame: memory stays bounded whatever it sends. Frames inside one
 * chunk are passed as views, without a copy.
 */
export class FrameReader {
  private partial: Buffer | undefined;
  private have = 0;
  private readonly head = Buffer.allocUnsafe(HEADER);

  constructor(
    private readonly maxFrameSize: number,
    private readonly onFrame: OnFrame,
  ) {}

  feed(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    if (this.partial !== undefined || this.have > 0) pos = this.fillPartial(chunk);
    while (pos < n) {
      if (n - pos < HEADER) {
        chunk.copy(this.head, 0, pos, n);
        this.have = n - pos;
        return;
      }
      const len = (chunk[pos]! << 16) | (chunk[pos + 1]! << 8) | chunk[pos + 2]!;
      this.check(len, chunk[pos + 3]!);
      const end = pos + HEADER + len;
      if (end > n) {
        // the frame continues in later chunks: keep it (at most one frame, bounded by the check)
        this.partial = Buffer.allocUnsafe(HEADER + len);
        chunk.copy(this.partial, 0, pos, n);
        this.have = n - pos;
        return;
      }
      this.onFrame(chunk[pos + 3]!, chunk[pos + 4]!, chunk.readUInt32BE(pos + 5) & MAX_WINDOW, chunk.subarray(pos + HEADER, end));
      pos = end;
    }
  }

  /** Completes the frame begun in earlier chunks; returns where the rest of `chunk` starts. */
  private fillPartial(chunk: Buffer): number {
    let pos = 0;
    if (this.partial === undefined) {
      // only part of a frame header so far
      const need = Math.min(HEADER - this.have, chunk.length);
      chunk.copy(this.head, this.have, 0, need);
      this.have += need;
      pos = need;
      if (this.have < HEADER) return chunk.length;
      const len = (this.head[0]! << 16) | (this.head[1]! << 8) | this.head[2]!;
      this.check(len, this.head[3]!);
      this.partial = Buffer.allocUnsafe(HEADER + len);
      this.head.copy(this.partial, 0);
    }
    const p = this.partial;
    const take = Math.min(p.length - this.have, chunk.length - pos);
    chunk.copy(p, this.have, pos, pos + take);
    this.have += take;
    pos += take;
    if (this.have < p.length) return chunk.length;
    this.partial = undefined;
    this.have = 0;
    this.onFrame(p[3]!, p[4]!, p.readUInt32BE(5) & MAX_WINDOW, p.subarray(HEADER));
    return pos;
  }

  private check(len: number, type: number): void {
    if (len > this.maxFrameSize) {
      throw new H2ProtocolError('FRAME_SIZE_ERROR', `the server sent a ${frameName(type)} frame of ${len} bytes, above the SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize} the client announced`);
    }
  }
}

const NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];
export function frameName(type: number): string {
  return NAMES[type] ?? `type-${type}`;
}
