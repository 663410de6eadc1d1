import type net from 'node:net';
import { H2_CODE_NAMES, H2ProtocolError } from '../../errors.js';
import {
  DEFAULT_WINDOW, ERROR, FLAG, FRAME, FrameReader, MAX_MAX_FRAME_SIZE, MAX_WINDOW, MIN_MAX_FRAME_SIZE, PREFACE, SETTING, SETTINGS_ACK,
  frame, frameName, goawayFrame, headersFrames, rstStreamFrame, settingsFrame, windowUpdateFrame,
} from './frames.js';
import { HpackDecoder } from './hpack-decoder.js';

/** What the client announces: no push; windows large enough that flow control never paces a bench. */
const STREAM_WINDOW = 16 * 1024 * 1024;
const CONNECTION_WINDOW = 1024 * 1024 * 1024;
/** Largest frame the client accepts (the protocol's default; announcing more would only let a server make it hold more). */
export const MAX_FRAME_SIZE = MIN_MAX_FRAME_SIZE;
/** Decoded header list limit, announced as SETTINGS_MAX_HEADER_LIST_SIZE and enforced by the HPACK decoder. */
export const MAX_HEADER_LIST_SIZE = 64 * 1024;
/** HPACK dynamic table the server may use (the protocol's default). */
const HEADER_TABLE_SIZE = 4096;
/** Header block limit over HEADERS + CONTINUATION frames (compressed bytes; a legitimate block is smaller than the list it decodes to). */
const MAX_HEADER_BLOCK = MAX_HEADER_LIST_SIZE;
/** CONTINUATION frames of one block: a run of empty ones would otherwise go on for ever (the 2024 CONTINUATION flood). */
const MAX_CONTINUATIONS = 64;
/** Bytes queued in the socket that the server does not read: past this, answering its PINGs and SETTINGS stops with an error. */
const MAX_UNREAD_WRITES = 4 * 1024 * 1024;

const CLIENT_SETTINGS = settingsFrame([
  [SETTING.ENABLE_PUSH, 0],
  [SETTING.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
  [SETTING.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_SIZE],
]);
const OPENING = Buffer.concat([PREFACE, CLIENT_SETTINGS, windowUpdateFrame(0, CONNECTION_WINDOW - DEFAULT_WINDOW)]);

/** The protocol state of one stream; the engine's own stream object extends it. */
export class H2Stream {
  id = 0;
  /** The final (non-1xx) response head arrived. */
  head = false;
  recvWindow = STREAM_WINDOW;
  recvUnacked = 0;
  sendWindow = DEFAULT_WINDOW;
  /** Request body still to send, from `bodyOff`. */
  body: Buffer | undefined = undefined;
  bodyOff = 0;
}

/** What the connection tells its owner. Called synchronously from `feed`. */
export interface H2Events<S extends H2Stream> {
  /** The server's SETTINGS were applied (its first one: the connection is usable). */
  settings(first: boolean): void;
  /** The final response head of `s`; `fields` (name, value, ...) is valid only during the call. */
  head(s: S, status: number, fields: readonly string[]): void;
  /** The server ended `s` (END_STREAM after its head). */
  end(s: S): void;
  /** The server reset `s` (RST_STREAM, RFC 9113 code). */
  reset(s: S, code: number): void;
  /** `s` broke the protocol on its own (a head without :status ...): it was reset with `err.h2Code`. */
  streamError(s: S, err: H2ProtocolError): void;
  /** GOAWAY: streams above `lastStreamId` were not processed. */
  goaway(lastStreamId: number, code: number): void;
  /** The server broke the protocol for the whole connection: GOAWAY was sent; the owner closes the socket. */
  fail(err: H2ProtocolError): void;
}

type Pending = { streamId: number; parts: Buffer[]; size: number; endStream: boolean; frames: number };

/** Connections with frames to write this loop turn: written once per turn, after all reads of the turn. */
let toFlush: Array<H2Connection<H2Stream>> = [];
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  const list = toFlush;
  toFlush = [];
  for (let i = 0; i < list.length; i++) list[i]!.flush();
}

/** DATA beyond a flow-control window the client announced: a connection error. */
function beyondWindow(len: number, window: string, left: number): never {
  throw new H2ProtocolError('FLOW_CONTROL_ERROR', `${len} bytes of DATA beyond ${window} (${left} left)`);
}

/**
 * One HTTP/2 client connection on a connected socket (RFC 9113): the preface and SETTINGS, streams
 * with the request's HEADERS encoded once (`block`), flow control both ways, the server's frames
 * parsed and checked, its header blocks decoded (HPACK, RFC 7541). No timers and no accounting: the
 * engine owns those.
 */
export class H2Connection<S extends H2Stream> {
  readonly streams = new Map<number, S>();
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says). */
  maxConcurrent = Infinity;
  settingsSeen = false;
  /** Set by GOAWAY: the highest stream id the server may have processed. */
  goawayLastStreamId: number | undefined;
  goawayCode = 0;
  /** Highest stream id opened. */
  lastStreamId = 0;
  private nextStreamId = 1;
  private peerMaxFrameSize = MIN_MAX_FRAME_SIZE;
  private peerInitialWindow = DEFAULT_WINDOW;
  private sendWindow = DEFAULT_WINDOW;
  private recvWindow = CONNECTION_WINDOW;
  private recvUnacked = 0;
  private readonly reader: FrameReader;
  private readonly decoder = new HpackDecoder({ tableSize: HEADER_TABLE_SIZE, maxHeaderListSize: MAX_HEADER_LIST_SIZE });
  private readonly fields: string[] = [];
  private pending: Pending | undefined;
  /** Frames to write this turn: bytes, or a stream id standing for that stream's HEADERS (the template). */
  private out: Array<Buffer | number> = [];
  private queued = false;
  private template: Buffer;
  /** Offsets of the stream id in each frame of the template (more than one with CONTINUATION). */
  private idOffsets: number[] = [5];
  /** Streams whose body waits for window. */
  private readonly blocked = new Set<S>();
  private failed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly events: H2Events<S>,
    /** The request's HPACK block, the same for every stream. */
    private readonly block: Buffer,
    private readonly hasBody: boolean,
  ) {
    this.reader = new FrameReader(MAX_FRAME_SIZE, this.onFrame);
    this.template = this.buildTemplate();
  }

  /** Sends the preface, the client's SETTINGS and the connection window. */
  start(): void {
    this.queue(OPENING);
  }

  /** Bytes from the socket. */
  feed(chunk: Buffer): void {
    if (this.failed) return;
    try {
      this.reader.feed(chunk);
    } catch (err) {
      if (!(err instanceof H2ProtocolError)) throw err;
      this.fatal(err);
    }
  }

  /** No stream may be opened on it any more (GOAWAY, ids used up, a protocol error). */
  get closedForStreams(): boolean {
    return this.goawayLastStreamId !== undefined || this.failed || this.nextStreamId > MAX_WINDOW;
  }

  /** Opens `s` and queues its HEADERS (and body). */
  open(s: S, body: Buffer | undefined): void {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    this.lastStreamId = id;
    s.id = id;
    s.sendWindow = this.peerInitialWindow;
    this.streams.set(id, s);
    // its HEADERS are the template with this id, written at flush time straight into the turn's one buffer
    this.queue(id);
    if (body !== undefined) {
      s.body = body;
      s.bodyOff = 0;
      this.sendBody(s);
    }
  }

  /** Stops `s` (deadline, body not wanted): RST_STREAM with `code`. */
  cancel(s: S, code: number = ERROR.CANCEL): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    this.blocked.delete(s);
    if (!this.failed) this.queue(rstStreamFrame(s.id, code));
  }

  /** Forgets `s` without telling the server (it refused it, or the connection is gone). */
  forget(s: S): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.blocked.delete(s);
  }

  /** A polite end: GOAWAY NO_ERROR, written now. */
  goodbye(): void {
    if (this.failed || this.socket.destroyed) return;
    this.out.push(goawayFrame(0, ERROR.NO_ERROR));
    this.flush();
  }

  /** @internal writes what was queued this turn, in one write. */
  flush(): void {
    this.queued = false;
    const out = this.out;
    if (out.length === 0 || this.socket.destroyed) {
      out.length = 0;
      return;
    }
    this.out = [];
    const t = this.template;
    const ids = this.idOffsets;
    // indexed loops: for-of is several times the bytecode, and this runs unoptimised for the first thousands of turns
    let size = 0;
    for (let i = 0; i < out.length; i++) {
      const f = out[i]!;
      size += typeof f === 'number' ? t.length : f.length;
    }
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    for (let i = 0; i < out.length; i++) {
      const f = out[i]!;
      if (typeof f === 'number') {
        buf.set(t, off);
        for (let k = 0; k < ids.length; k++) buf.writeUInt32BE(f, off + ids[k]!);
        off += t.length;
      } else {
        buf.set(f, off);
        off += f.length;
      }
    }
    this.socket.write(buf);
    if (this.socket.writableLength > MAX_UNREAD_WRITES && !this.failed) {
      this.fatal(new H2ProtocolError('ENHANCE_YOUR_CALM', `the server does not read what the client writes (${this.socket.writableLength} bytes queued): a PING or SETTINGS flood?`));
    }
  }

  private queue(b: Buffer | number): void {
    this.out.push(b);
    if (this.queued) return;
    this.queued = true;
    toFlush.push(this as unknown as H2Connection<H2Stream>);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  private buildTemplate(): Buffer {
    const t = headersFrames(this.block, 1, !this.hasBody, this.peerMaxFrameSize);
    this.idOffsets = [];
    for (let off = 0; off < t.length; off += 9 + ((t[off]! << 16) | (t[off + 1]! << 8) | t[off + 2]!)) this.idOffsets.push(off + 5);
    return t;
  }

  /** A connection error (RFC 9113 §5.4.1): GOAWAY with its code, then the owner closes. */
  private fatal(err: H2ProtocolError): void {
    if (this.failed) return;
    this.failed = true;
    this.pending = undefined;
    this.out.push(goawayFrame(0, H2_CODE_NAMES.indexOf(err.h2Code)));
    this.flush();
    this.events.fail(err);
  }

  /** A stream error (§5.4.2): RST_STREAM, and the stream fails on its own. */
  private streamFail(s: S, err: H2ProtocolError): void {
    this.cancel(s, H2_CODE_NAMES.indexOf(err.h2Code));
    this.events.streamError(s, err);
  }

  /**
   * Every frame of the server. DATA and HEADERS, the frames of every response, are dispatched here and the rest in
   * onOtherFrame(): V8 optimises a function after a number of calls that grows with its bytecode, and this one, run
   * twice per response, is then optimised within a short warm-up.
   */
  private readonly onFrame = (type: number, flags: number, id: number, p: Buffer): void => {
    if (this.failed) return;
    if (this.pending !== undefined && type !== FRAME.CONTINUATION) this.outsideBlock(type, this.pending.streamId);
    if (type === FRAME.DATA) return this.onData(flags, id, p);
    if (type === FRAME.HEADERS) return this.onHeaders(flags, id, p);
    this.onOtherFrame(type, flags, id, p);
  };

  private outsideBlock(type: number, blockStream: number): never {
    throw new H2ProtocolError('PROTOCOL_ERROR', `a ${frameName(type)} frame inside a header block (CONTINUATION expected on stream ${blockStream})`);
  }

  private onOtherFrame(type: number, flags: number, id: number, p: Buffer): void {
    switch (type) {
      case FRAME.CONTINUATION:
        return this.onContinuation(flags, id, p);
      case FRAME.RST_STREAM: {
        this.needStream(type, id);
        if (p.length !== 4) throw new H2ProtocolError('FRAME_SIZE_ERROR', `an RST_STREAM frame of ${p.length} bytes (4 expected)`);
        const s = this.streams.get(id);
        if (s === undefined) return;
        this.forget(s);
        return this.events.reset(s, p.readUInt32BE(0));
      }
      case FRAME.SETTINGS:
        return this.onSettings(flags, id, p);
      case FRAME.PING:
        if (id !== 0) throw new H2ProtocolError('PROTOCOL_ERROR', `a PING frame on stream ${id}`);
        if (p.length !== 8) throw new H2ProtocolError('FRAME_SIZE_ERROR', `a PING frame of ${p.length} bytes (8 expected)`);
        if (!(flags & FLAG.ACK)) this.queue(frame(FRAME.PING, FLAG.ACK, 0, p));
        return;
      case FRAME.GOAWAY: {
        if (id !== 0) throw new H2ProtocolError('PROTOCOL_ERROR', `a GOAWAY frame on stream ${id}`);
        if (p.length < 8) throw new H2ProtocolError('FRAME_SIZE_ERROR', `a GOAWAY frame of ${p.length} bytes (8 at least)`);
        const last = p.readUInt32BE(0) & MAX_WINDOW;
        this.goawayLastStreamId = Math.min(last, this.goawayLastStreamId ?? MAX_WINDOW);
        this.goawayCode = p.readUInt32BE(4);
        return this.events.goaway(this.goawayLastStreamId, this.goawayCode);
      }
      case FRAME.WINDOW_UPDATE:
        return this.onWindowUpdate(id, p);
      case FRAME.PUSH_PROMISE:
        throw new H2ProtocolError('PROTOCOL_ERROR', 'a PUSH_PROMISE although the client disabled push (SETTINGS_ENABLE_PUSH 0)');
      case FRAME.PRIORITY:
        this.needStream(type, id);
        if (p.length !== 5) throw new H2ProtocolError('FRAME_SIZE_ERROR', `a PRIORITY frame of ${p.length} bytes (5 expected)`);
        return;
      default:
        // unknown frame types are ignored (RFC 9113 §4.1)
        return;
    }
  }

  private needStream(type: number, id: number): void {
    if (id === 0) throw new H2ProtocolError('PROTOCOL_ERROR', `a ${frameName(type)} frame on stream 0`);
    // a stream the client never opened: even (server-initiated, push is off) or above the last it opened
    if (id % 2 === 0 || id > this.lastStreamId) throw new H2ProtocolError('PROTOCOL_ERROR', `a ${frameName(type)} frame on stream ${id}, which the client never opened`);
  }

  /**
   * DATA. Its rarer steps (window updates, errors) are functions of their own: V8 inlines no function of more than
   * 460 bytes of bytecode, and this one, run once per response, was above that.
   */
  private onData(flags: number, id: number, p: Buffer): void {
    this.needStream(FRAME.DATA, id);
    const len = p.length;
    if (len > this.recvWindow) beyondWindow(len, 'the connection window', this.recvWindow);
    this.recvWindow -= len;
    this.recvUnacked += len;
    // the whole frame counts toward flow control, padding included: give it back once half is used
    if (this.recvUnacked >= CONNECTION_WINDOW / 2) this.updateConnectionWindow();
    if (flags & FLAG.PADDED && (len === 0 || p[0]! >= len)) throw new H2ProtocolError('PROTOCOL_ERROR', 'DATA padding longer than the frame');
    const s = this.streams.get(id);
    // a stream the client reset (deadline, body not wanted): its frames in flight are dropped
    if (s === undefined) return;
    if (!s.head) return this.streamFail(s, new H2ProtocolError('PROTOCOL_ERROR', 'DATA before the response head'));
    if (len > s.recvWindow) beyondWindow(len, `stream ${id}'s window`, s.recvWindow);
    s.recvWindow -= len;
    if (flags & FLAG.END_STREAM) {
      this.forget(s);
      return this.events.end(s);
    }
    s.recvUnacked += len;
    if (s.recvUnacked >= STREAM_WINDOW / 2) this.updateStreamWindow(s);
  }

  private updateConnectionWindow(): void {
    this.queue(windowUpdateFrame(0, this.recvUnacked));
    this.recvWindow += this.recvUnacked;
    this.recvUnacked = 0;
  }

  private updateStreamWindow(s: S): void {
    this.queue(windowUpdateFrame(s.id, s.recvUnacked));
    s.recvWindow += s.recvUnacked;
    s.recvUnacked = 0;
  }

  private onHeaders(flags: number, id: number, p: Buffer): void {
    this.needStream(FRAME.HEADERS, id);
    let start = 0;
    let pad = 0;
    if (flags & FLAG.PADDED) {
      if (p.length < 1) throw new H2ProtocolError('FRAME_SIZE_ERROR', 'a padded HEADERS frame without its pad length');
      pad = p[0]!;
      start = 1;
    }
    if (flags & FLAG.PRIORITY) start += 5;
    if (start + pad > p.length) throw new H2ProtocolError('PROTOCOL_ERROR', 'HEADERS padding and priority longer than the frame');
    const endStream = (flags & FLAG.END_STREAM) !== 0;
    if (flags & FLAG.END_HEADERS) return this.onBlock(id, p, start, p.length - pad, endStream);
    // the block goes on in CONTINUATION frames: kept (a copy, bounded) until END_HEADERS
    const part = Buffer.from(p.subarray(start, p.length - pad));
    this.pending = { streamId: id, parts: [part], size: part.length, endStream, frames: 1 };
  }

  private onContinuation(flags: number, id: number, p: Buffer): void {
    const h = this.pending;
    if (h === undefined || h.streamId !== id) throw new H2ProtocolError('PROTOCOL_ERROR', `a CONTINUATION frame on stream ${id} without a header block in progress there`);
    h.size += p.length;
    if (h.size > MAX_HEADER_BLOCK) throw new H2ProtocolError('PROTOCOL_ERROR', `a header block above ${MAX_HEADER_BLOCK} bytes over HEADERS and ${h.frames} CONTINUATION frames`);
    if (++h.frames > MAX_CONTINUATIONS) throw new H2ProtocolError('PROTOCOL_ERROR', `a header block in more than ${MAX_CONTINUATIONS} CONTINUATION frames`);
    h.parts.push(Buffer.from(p));
    if (!(flags & FLAG.END_HEADERS)) return;
    this.pending = undefined;
    const block = Buffer.concat(h.parts, h.size);
    this.onBlock(id, block, 0, block.length, h.endStream);
  }

  /** A complete header block: always decoded (the HPACK table must stay in step), then delivered. */
  private onBlock(id: number, block: Buffer, start: number, end: number, endStream: boolean): void {
    const f = this.fields;
    f.length = 0;
    this.decoder.decode(block, start, end, f);
    const s = this.streams.get(id);
    if (s === undefined) return;
    if (s.head) {
      // trailers: they end the stream
      if (!endStream) return this.streamFail(s, new H2ProtocolError('PROTOCOL_ERROR', 'a second header block (trailers) without END_STREAM'));
      this.forget(s);
      return this.events.end(s);
    }
    const status = f[0] === ':status' && f[1]!.length === 3 ? Number(f[1]) : NaN;
    if (!(status >= 100 && status <= 999)) return this.streamFail(s, new H2ProtocolError('PROTOCOL_ERROR', 'a response head without a valid :status first'));
    if (status < 200) {
      // 1xx: informational, the final head follows (RFC 9113 §8.1)
      if (endStream) this.streamFail(s, new H2ProtocolError('PROTOCOL_ERROR', `an informational ${status} head that ends the stream`));
      return;
    }
    s.head = true;
    this.events.head(s, status, f);
    if (endStream && this.streams.get(id) === s) {
      this.forget(s);
      this.events.end(s);
    }
  }

  private onSettings(flags: number, id: number, p: Buffer): void {
    if (id !== 0) throw new H2ProtocolError('PROTOCOL_ERROR', `a SETTINGS frame on stream ${id}`);
    if (flags & FLAG.ACK) {
      if (p.length !== 0) throw new H2ProtocolError('FRAME_SIZE_ERROR', 'a SETTINGS ACK with a payload');
      return;
    }
    if (p.length % 6 !== 0) throw new H2ProtocolError('FRAME_SIZE_ERROR', `a SETTINGS frame of ${p.length} bytes (a multiple of 6 expected)`);
    for (let off = 0; off < p.length; off += 6) {
      const key = p.readUInt16BE(off);
      const value = p.readUInt32BE(off + 2);
      switch (key) {
        case SETTING.ENABLE_PUSH:
          if (value > 1) throw new H2ProtocolError('PROTOCOL_ERROR', `SETTINGS_ENABLE_PUSH ${value}`);
          break;
        case SETTING.MAX_CONCURRENT_STREAMS:
          this.maxConcurrent = value;
          break;
        case SETTING.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) throw new H2ProtocolError('FLOW_CONTROL_ERROR', `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1`);
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          for (const s of this.streams.values()) s.sendWindow += delta;
          break;
        }
        case SETTING.MAX_FRAME_SIZE:
          if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) throw new H2ProtocolError('PROTOCOL_ERROR', `SETTINGS_MAX_FRAME_SIZE ${value} outside 16384..16777215`);
          if (value !== this.peerMaxFrameSize) {
            this.peerMaxFrameSize = value;
            this.template = this.buildTemplate();
          }
          break;
        default:
          // HEADER_TABLE_SIZE: the encoder never uses the dynamic table; unknown settings are ignored
          break;
      }
    }
    this.queue(SETTINGS_ACK);
    const first = !this.settingsSeen;
    this.settingsSeen = true;
    this.events.settings(first);
    this.sendBlockedBodies();
  }

  private onWindowUpdate(id: number, p: Buffer): void {
    if (p.length !== 4) throw new H2ProtocolError('FRAME_SIZE_ERROR', `a WINDOW_UPDATE frame of ${p.length} bytes (4 expected)`);
    const inc = p.readUInt32BE(0) & MAX_WINDOW;
    if (id === 0) {
      if (inc === 0) throw new H2ProtocolError('PROTOCOL_ERROR', 'a WINDOW_UPDATE of 0 on the connection');
      this.sendWindow += inc;
      if (this.sendWindow > MAX_WINDOW) throw new H2ProtocolError('FLOW_CONTROL_ERROR', 'WINDOW_UPDATE beyond 2^31-1 on the connection');
      return this.sendBlockedBodies();
    }
    this.needStream(FRAME.WINDOW_UPDATE, id);
    const s = this.streams.get(id);
    if (s === undefined) return;
    if (inc === 0) return this.streamFail(s, new H2ProtocolError('PROTOCOL_ERROR', 'a WINDOW_UPDATE of 0 on a stream'));
    s.sendWindow += inc;
    if (s.sendWindow > MAX_WINDOW) return this.streamFail(s, new H2ProtocolError('FLOW_CONTROL_ERROR', 'WINDOW_UPDATE beyond 2^31-1 on a stream'));
    if (this.blocked.has(s)) this.sendBody(s);
  }

  private sendBlockedBodies(): void {
    for (const s of [...this.blocked]) {
      if (this.sendWindow <= 0) return;
      this.sendBody(s);
    }
  }

  /** DATA frames for `s`'s body as far as both windows and the server's frame size allow; the rest waits. */
  private sendBody(s: S): void {
    const body = s.body;
    if (body === undefined) return;
    do {
      const n = Math.min(body.length - s.bodyOff, this.peerMaxFrameSize, this.sendWindow, s.sendWindow);
      if (n <= 0 && body.length > s.bodyOff) {
        this.blocked.add(s);
        return;
      }
      const last = s.bodyOff + n >= body.length;
      this.queue(frame(FRAME.DATA, last ? FLAG.END_STREAM : 0, s.id, body.subarray(s.bodyOff, s.bodyOff + n)));
      s.bodyOff += n;
      this.sendWindow -= n;
      s.sendWindow -= n;
    } while (s.bodyOff < body.length);
    s.body = undefined;
    this.blocked.delete(s);
  }
}
