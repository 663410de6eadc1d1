import net from 'node:net';
import type { Hostile } from './hostile-servers.js';
import { rawServer } from './raw-server.js';

/**
 * A raw h2c server that writes HTTP/2 frames byte by byte, for misbehaviour node:http2 will not
 * produce (frames above the peer's SETTINGS_MAX_FRAME_SIZE, endless CONTINUATION, HPACK bombs). Frames
 * are built here, not with the engine's own code. It answers the preface with an empty SETTINGS, calls
 * `onStream` for each HEADERS the client opens, and records the GOAWAY codes the client sends (ground
 * truth for "the client closed the connection with FRAME_SIZE_ERROR").
 */
export interface FrameServer extends Hostile {
  /** Error codes of the GOAWAY frames clients sent. */
  goawayCodes(): number[];
}

export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0), length = payload.length): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

const PREFACE_LENGTH = 24;

export async function frameServer(onStream: (s: net.Socket, streamId: number) => void): Promise<FrameServer> {
  let streams = 0;
  const goaways: number[] = [];
  const raw = await rawServer((s) => {
    let buf = Buffer.alloc(0);
    let preface = false;
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!preface) {
        if (buf.length < PREFACE_LENGTH) return;
        if (buf.subarray(0, PREFACE_LENGTH).toString('latin1') !== 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') return void s.destroy();
        preface = true;
        buf = buf.subarray(PREFACE_LENGTH);
        s.write(h2Frame(4, 0, 0));
      }
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) return;
        const type = buf[3]!;
        const id = buf.readUInt32BE(5) & 0x7fffffff;
        if (type === 7) goaways.push(buf.readUInt32BE(13));
        if (type === 1) {
          streams++;
          onStream(s, id);
        }
        buf = buf.subarray(9 + len);
      }
    });
  });
  return {
    url: `${raw.origin}/`,
    h2: true,
    connections: () => raw.connections,
    streams: () => streams,
    goawayCodes: () => goaways,
    close: () => raw.close(),
  };
}

/** Writes `next()` while the socket takes it, until it closes. */
function flood(s: net.Socket, next: () => Buffer): void {
  const pump = (): void => {
    while (!s.destroyed && s.write(next()));
  };
  s.on('drain', pump);
  pump();
}

const STATUS_200 = Buffer.from([0x88]);
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;

/** A 200 head, then a DATA frame announcing 20,000 bytes: above the 16,384 every client starts with (RFC 9113 §4.2). */
export const h2OversizedFrame = (): Promise<FrameServer> =>
  frameServer((s, id) => {
    s.write(h2Frame(1, FLAG_END_HEADERS, id, STATUS_200));
    s.write(h2Frame(0, FLAG_END_STREAM, id, Buffer.alloc(20_000, 'x')));
  });

/** HEADERS without END_HEADERS, then CONTINUATION frames of 4,000 bytes (a header block's bytes) for ever. */
export const h2EndlessContinuation = (): Promise<FrameServer> =>
  frameServer((s, id) => {
    s.write(h2Frame(1, 0, id, STATUS_200));
    const cont = h2Frame(9, 0, id, Buffer.alloc(4000, 'v'));
    flood(s, () => cont);
  });

/** A header block of 80,000 bytes that does end: HEADERS and four CONTINUATION frames of 16,000 bytes. */
export const h2HugeHeaderBlock = (): Promise<FrameServer> =>
  frameServer((s, id) => {
    const part = Buffer.alloc(16_000, 'v');
    s.write(Buffer.concat([h2Frame(1, FLAG_END_STREAM, id, part), ...[1, 2, 3, 4].map((i) => h2Frame(9, i === 4 ? FLAG_END_HEADERS : 0, id, part))]));
  });

/** HEADERS without END_HEADERS, then empty CONTINUATION frames for ever (no byte of header block grows). */
export const h2EmptyContinuationFlood = (): Promise<FrameServer> =>
  frameServer((s, id) => {
    s.write(h2Frame(1, 0, id, STATUS_200));
    const cont = Buffer.concat(Array.from({ length: 1000 }, () => h2Frame(9, 0, id)));
    flood(s, () => cont);
  });

/**
 * HPACK bomb: one 4,000-byte field added to the dynamic table, then referenced 4,000 times: a 8 KB
 * block that decodes to 16 MB of header list.
 */
export const h2HpackBomb = (): Promise<FrameServer> =>
  frameServer((s, id) => {
    // 0x40 literal with incremental indexing, name 'x' (01 78), value length 4000 = 127 + 3873 (7f a1 1e)
    const add = Buffer.concat([Buffer.from([0x40, 0x01, 0x78, 0x7f, 0xa1, 0x1e]), Buffer.alloc(4000, 'b')]);
    const block = Buffer.concat([STATUS_200, add, Buffer.alloc(4000, 0xbe)]);
    s.write(h2Frame(1, FLAG_END_HEADERS | FLAG_END_STREAM, id, block));
  });
