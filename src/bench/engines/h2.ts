import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { CloseInfo, ConnectionRecord } from '../../model/connection.js';
import { addIdlePeriod, newIdleStats } from '../../model/connection.js';
import type { Facts } from '../../model/facts.js';
import { phasesFromMarks, type RequestMarks } from '../../model/phases.js';
import type { RequestTrace } from '../../model/request.js';
import { tlsInfoOf } from '../../trace/tls-info.js';
import { classifyError, ConnectTimeoutError, ConnscopeError, H2_CODE_NAMES, H2ProtocolError, H2SessionError, H2StreamResetError, SocketResetError, TimeoutError } from '../../errors.js';
import { h2ErrorCode } from '../error-codes.js';
import { ERROR } from '../h2/frames.js';
import { H2Connection, H2Stream, type H2Events } from '../h2/connection.js';
import { requestBlock } from '../h2/request-block.js';
import { EventClock } from '../event-clock.js';
import { DeadlineWatch, type Deadlined } from './deadlines.js';
import { countStep, originOf, pathOf, type Engine, type EngineContext, type RequestDone, type StepCounts } from '../engine.js';

/** How often one request's stream refused by RST_STREAM REFUSED_STREAM is sent again before the refusal counts as its error. */
const MAX_RETRIES = 3;
/**
 * The same for streams above a GOAWAY's last-stream-id. Each such refusal is another session's orderly end,
 * and sessions that reach a server's per-connection limit together (nginx keepalive_requests) can refuse
 * one request several times in a row, so the bound is wider; it still ends a server that refuses everything.
 */
const MAX_GOAWAY_RETRIES = 10;

let h2Seq = 0;

/** Numbers kept per deferred record (see H2Engine.deferredMarks). */
const DEFERRED_MARKS = 7;

/** Where every session's socket reads land (see connect()). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

interface Waiting {
  start: number;
  done: RequestDone;
  /** Had to wait because every session was at its stream limit. */
  queuedByLimit: boolean;
  /** Times this request's stream was refused unprocessed and sent again: by REFUSED_STREAM, by GOAWAY. */
  retries: number;
  goawayRetries: number;
  /** The session that refused it last: another one is preferred for the retry. */
  avoid?: Slot;
}

/** One request's stream: the protocol state (H2Stream) plus its accounting and deadline. */
class BenchStream extends H2Stream implements Deadlined {
  slot = -1;
  since: number;
  firstByte = 0;
  status = 0;
  idleBefore: number | undefined;
  /** Taken off its session and the deadline watch: ended, or sent again. */
  released = false;
  constructor(
    readonly engine: H2Engine,
    readonly session: Slot,
    readonly w: Waiting,
    readonly assigned: number,
    readonly index: number,
  ) {
    super();
    this.since = assigned;
  }
  expire(): void {
    this.engine.expire(this);
  }
}

/** One HTTP/2 session of the pool, with its own accounting. */
class Slot implements H2Events<BenchStream> {
  readonly id = `h2-${++h2Seq}`;
  state: 'connecting' | 'open' | 'draining' | 'closed' = 'connecting';
  active = 0;
  /** min(server SETTINGS_MAX_CONCURRENT_STREAMS, --max-concurrent-streams), from its last SETTINGS. */
  limit: number;
  streams = 0;
  readonly connectStart = performance.now();
  dnsEnd: number | undefined;
  connectEnd: number | undefined;
  tlsEnd: number | undefined;
  /** The session became usable (connected and the server's SETTINGS known). */
  readyAt: number | undefined;
  lastActivity = 0;
  record: ConnectionRecord | undefined;
  close: CloseInfo | undefined;
  /** Why its streams failed when it ended: a protocol error the client found, or the socket's error. */
  failure: unknown;
  connectTimer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  /** The server's certificate chain as Node read it to check the host name (see connect()). */
  peerCert: tls.DetailedPeerCertificate | undefined;
  readonly conn: H2Connection<BenchStream>;
  /** Bytes read from the socket (one event of the engine's clock). */
  readonly feed = (chunk: Buffer): void => this.conn.feed(chunk);

  constructor(
    private readonly engine: H2Engine,
    readonly socket: net.Socket,
    readonly secure: boolean,
    block: Buffer,
    hasBody: boolean,
  ) {
    this.limit = engine.slotLimit(undefined);
    this.conn = new H2Connection<BenchStream>(socket, this, block, hasBody);
  }

  settings(first: boolean): void {
    this.engine.onSettings(this, first);
  }
  head(s: BenchStream, status: number): void {
    this.engine.onHead(s, status);
  }
  end(s: BenchStream): void {
    this.engine.end(s, undefined);
  }
  reset(s: BenchStream, code: number): void {
    this.engine.onReset(s, code);
  }
  streamError(s: BenchStream, err: H2ProtocolError): void {
    this.engine.end(s, err);
  }
  goaway(lastStreamId: number, code: number): void {
    this.engine.onGoaway(this, lastStreamId, code);
  }
  fail(err: H2ProtocolError): void {
    this.failure = err;
    this.engine.finish(this, { closedBy: 'client', reason: `error:${err.code}`, errorCode: err.code });
  }
}

/**
 * HTTP/2 on `tls` (ALPN h2) or prior-knowledge h2c, with its own framing (h2/connection.ts) and HPACK:
 * up to `connections` sessions, streams spread over them, each session capped at min(server
 * SETTINGS_MAX_CONCURRENT_STREAMS, --max-concurrent-streams). Requests beyond the cap wait (counted for
 * h2-stream-limit); GOAWAY drains a session and a new one is opened. It replaced an engine on
 * node:http2, whose per-stream cost (~55 µs of `request()` and stream objects) capped it at about a
 * sixth of h2load: here a stream is one object, its HEADERS a copy of bytes encoded once.
 */
export class H2Engine implements Engine {
  readonly kind = 'h2' as const;
  readonly selfAccounting = true;
  /** The sessions not closed, in the order opened (an array: pump() scans it for every request). */
  private readonly slots: Slot[] = [];
  private readonly queue: Waiting[] = [];
  private tlsSession: Buffer | undefined;
  private closed = false;
  private streamsQueued = 0;
  private goaways = 0;
  /** Streams refused unprocessed and sent again: by RST_STREAM REFUSED_STREAM, or above a GOAWAY's last-stream-id. */
  private retriedRefused = 0;
  private retriedGoaway = 0;
  /** Streams the server reset before a response, by code (REFUSED_STREAM only when still refused after the retries). */
  private readonly resets: Record<string, number> = {};
  /** Streams that ended with a response or an error (not retried, not abandoned). */
  private streamsEnded = 0;
  private serverMaxStreams: number | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly block: Buffer;
  /** Streams open right now are in the deadline watch and their session's stream map; this counts them. */
  private readonly deadlines: DeadlineWatch;
  private inflight = 0;
  /** Sessions connecting, and sessions connecting or open (not draining, not closed): kept by setState(). */
  private connecting = 0;
  private live = 0;
  /** One clock read per read event: the heads, completions and next streams of one read share it. */
  readonly clock = new EventClock();
  /** One TLS context for every session (see connect()). */
  private secureContext: tls.SecureContext | undefined;
  /**
   * The sampled successes whose records wait for the end of the load (sink.deferredOk): each one's session id, and
   * DEFERRED_MARKS numbers (start, assigned, first byte, end, index on its session, status, idle before or NaN).
   * Bounded by the tally's sample; emptied by sampledRecords().
   */
  private deferredIds: string[] = [];
  private deferredMarks: number[] = [];

  constructor(private readonly ctx: EngineContext) {
    const o = ctx.options;
    this.origin = originOf(o.url);
    this.path = pathOf(o.url);
    this.block = requestBlock(o);
    this.deadlines = new DeadlineWatch(o.timeoutMs);
  }

  facts(): Facts {
    const o = this.ctx.options;
    const f: Facts = {
      keepAliveEnabled: o.keepAlive,
      poolSize: o.connections,
      http2: {
        supported: true,
        used: true,
        goaways: this.goaways,
        streamsQueued: this.streamsQueued,
        maxConcurrentStreams: this.limit(),
        streams: this.streamsEnded,
        streamsReset: Object.values(this.resets).reduce((a, b) => a + b, 0),
        resetCodes: { ...this.resets },
        streamsRetried: { refused: this.retriedRefused, goaway: this.retriedGoaway },
      },
    };
    if (o.idleTimeoutMs !== undefined) f.clientIdleTimeoutMs = o.idleTimeoutMs;
    if (o.url.protocol === 'https:') f.tls = { clientSessionCacheSize: o.tlsSessionCache, resumptionAttempted: o.tlsSessionCache > 0 };
    return f;
  }

  private limit(): number | undefined {
    const client = this.ctx.options.maxConcurrentStreams;
    if (client === undefined) return this.serverMaxStreams;
    if (this.serverMaxStreams === undefined) return client;
    return Math.min(client, this.serverMaxStreams);
  }

  /**
   * @internal a session's stream limit: min(its server's SETTINGS_MAX_CONCURRENT_STREAMS, --max-concurrent-streams).
   * Unlimited while the server names none (RFC 9113 §6.5.2); no stream starts before its first SETTINGS anyway.
   */
  slotLimit(server: number | undefined): number {
    const client = this.ctx.options.maxConcurrentStreams;
    const s = server ?? Infinity;
    return client === undefined ? s : Math.min(client, s);
  }

  now(): number {
    return this.clock.now();
  }

  stuckSteps(): StepCounts {
    const counts: StepCounts = {};
    for (const slot of this.slots) for (const s of slot.conn.streams.values()) countStep(counts, s.firstByte ? 'receiving' : 'waiting');
    countStep(counts, this.connecting > 0 ? 'connecting' : 'blocked', this.queue.length);
    return counts;
  }

  send(done: RequestDone): void {
    this.queue.push({ start: this.clock.now(), done, queuedByLimit: false, retries: 0, goawayRetries: 0 });
    this.pump();
  }

  /**
   * A pool of `connections` sessions: sessions are opened together (one per waiting request, up to
   * the pool size), so the load spreads over N sessions kept open at once rather than filling one
   * after another; each stream goes to the least busy session below its stream limit.
   */
  private pump(): void {
    // nothing waits: nothing to connect or assign (the call after each completion, once its next request is placed)
    if (this.closed || this.queue.length === 0) return;
    while (this.live < this.ctx.options.connections && this.queue.length > this.connecting) this.connect();
    const connecting = this.connecting;
    // while sessions are still connecting, a ready one takes only its share of the work
    const share = connecting > 0 ? Math.ceil((this.inflight + this.queue.length) / this.live) : Infinity;
    while (this.queue.length > 0) {
      const w = this.queue[0]!;
      let best: Slot | undefined;
      let avoided: Slot | undefined;
      for (let i = 0; i < this.slots.length; i++) {
        const s = this.slots[i]!;
        if (s.state !== 'open' || s.active >= Math.min(s.limit, share)) continue;
        if (s === w.avoid) avoided = s;
        else if (!best || s.active < best.active) best = s;
      }
      const slot = best ?? avoided;
      if (!slot) break;
      this.queue.shift();
      this.start(slot, w);
    }
    if (this.queue.length > 0 && connecting === 0) {
      for (const w of this.queue) {
        if (!w.queuedByLimit) {
          w.queuedByLimit = true;
          this.streamsQueued++;
        }
      }
    }
  }

  private connect(): void {
    const o = this.ctx.options;
    const secure = o.url.protocol === 'https:';
    const host = o.url.hostname.startsWith('[') ? o.url.hostname.slice(1, -1) : o.url.hostname;
    const port = Number(o.url.port || (secure ? 443 : 80));
    // bytes arrive in one buffer shared by every session (`onread`): no Buffer and no stream 'data' event per
    // read. Safe because each read is parsed to the end before the next one, and what the parser keeps (a
    // frame split over reads, a header block in CONTINUATION frames) it copies.
    const reader: { slot?: Slot; cert?: tls.DetailedPeerCertificate } = {};
    const onread = {
      buffer: READ_BUFFER,
      callback: (n: number, buf: Buffer): boolean => {
        if (reader.slot) this.clock.run(reader.slot.feed, buf.subarray(0, n));
        return true;
      },
    };
    // Two costs of a TLS session's setup that fall inside the measured run are paid once here: tls.connect with
    // `ca` builds a new context (parsing the CA) per connection, 1-5 ms of the loop each, so every session shares
    // one; and Node reads the server's whole chain as objects (about a millisecond) to check the host name, so
    // that reading is kept from checkServerIdentity for the connection record instead of being done again.
    const checkServerIdentity = (name: string, cert: tls.PeerCertificate): Error | undefined => {
      reader.cert = cert as tls.DetailedPeerCertificate;
      return tls.checkServerIdentity(name, cert);
    };
    if (secure) this.secureContext ??= tls.createSecureContext({ ca: o.ca });
    const socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, secureContext: this.secureContext, rejectUnauthorized: !o.insecure, checkServerIdentity, ALPNProtocols: ['h2'], session: o.tlsSessionCache > 0 ? this.tlsSession : undefined, onread } as tls.ConnectionOptions)
      : net.connect({ host, port, onread });
    socket.setNoDelay(true);
    const slot = new Slot(this, socket, secure, this.block, o.body !== undefined);
    reader.slot = slot;
    this.slots.push(slot);
    this.connecting++;
    this.live++;
    if (secure && o.tlsSessionCache > 0) socket.on('session', (s: Buffer) => (this.tlsSession = s));
    if (!net.isIP(host)) socket.once('lookup', () => (slot.dnsEnd = performance.now()));
    slot.connectTimer = setTimeout(() => {
      const step = slot.connectEnd === undefined ? 'TCP connect' : secure && slot.tlsEnd === undefined ? 'TLS handshake' : "the server's HTTP/2 SETTINGS";
      const err = new ConnectTimeoutError(`connect timed out after ${o.connectTimeoutMs} ms (${step} not done)`, { layer: step === 'TCP connect' ? 'tcp' : step === 'TLS handshake' ? 'tls' : 'h2' });
      this.sessionFailed(slot, err, 'client');
    }, o.connectTimeoutMs);
    socket.once('connect', () => {
      slot.connectEnd = performance.now();
      if (!secure) slot.conn.start();
    });
    if (secure) {
      socket.once('secureConnect', () => {
        slot.tlsEnd = performance.now();
        slot.peerCert = reader.cert;
        const t = socket as tls.TLSSocket;
        // the check before the load proved the server offers h2; a later connection could still differ
        if (t.alpnProtocol !== 'h2') return this.sessionFailed(slot, new H2ProtocolError('PROTOCOL_ERROR', `the server did not select ALPN h2 (it chose ${t.alpnProtocol || 'none'})`), 'client');
        slot.conn.start();
      });
    }
    socket.on('error', (err) => this.sessionFailed(slot, err, slot.state === 'connecting' ? 'unknown' : 'server'));
    socket.on('close', () => this.sessionFailed(slot, undefined, 'server'));
  }

  /** The socket failed (`err`), closed (no `err`), or the connect deadline passed: the session ends, its streams with it. */
  private sessionFailed(slot: Slot, err: unknown, side: 'client' | 'server' | 'unknown'): void {
    if (slot.state === 'closed') return;
    if (err !== undefined) {
      slot.failure ??= err;
      const code = classifyError(err).code;
      slot.close ??= { closedBy: side, reason: `error:${code}`, errorCode: code };
    }
    if (slot.state === 'connecting' && !this.closed) {
      // a session that dies before it is ready fails one waiting request: the failure is counted, and
      // a count-bounded run against a server that keeps closing new connections still ends
      const w = this.queue.shift();
      const why = slot.failure ?? new ConnscopeError('CONNSCOPE_ERR_H2_NO_SETTINGS', 'the server closed the connection before its HTTP/2 SETTINGS', { layer: 'h2' });
      if (w) setImmediate(w.done, undefined, why);
    }
    this.finish(slot, slot.close ?? { closedBy: 'server', reason: 'server-closed' });
  }

  /** @internal the server's SETTINGS: the first makes the session usable. */
  onSettings(slot: Slot, first: boolean): void {
    const server = slot.conn.maxConcurrent;
    this.serverMaxStreams = server === Infinity ? undefined : server;
    slot.limit = this.slotLimit(server);
    if (!first || slot.state !== 'connecting') return this.pump();
    clearTimeout(slot.connectTimer);
    this.setState(slot, 'open');
    slot.lastActivity = slot.readyAt = this.clock.now();
    slot.record = this.record(slot);
    this.ctx.sink.connection(slot.record);
    this.armIdle(slot);
    this.pump();
  }

  private armIdle(slot: Slot): void {
    const ms = this.ctx.options.idleTimeoutMs;
    if (ms === undefined || slot.active > 0 || slot.state !== 'open') return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.active === 0) this.finish(slot, { closedBy: 'client', reason: 'client-idle-timeout' });
    }, ms);
  }

  private record(slot: Slot): ConnectionRecord {
    const now = slot.readyAt ?? performance.now();
    const s = slot.socket;
    const tcpStart = slot.dnsEnd ?? slot.connectStart;
    const connectEnd = slot.connectEnd ?? now;
    const establishment: ConnectionRecord['establishment'] = { connect: connectEnd - tcpStart, total: (slot.tlsEnd ?? connectEnd) - slot.connectStart };
    if (slot.dnsEnd !== undefined) establishment.dns = slot.dnsEnd - slot.connectStart;
    if (slot.secure) establishment.tls = (slot.tlsEnd ?? now) - connectEnd;
    const r: ConnectionRecord = {
      id: slot.id,
      origin: this.origin,
      source: 'http2',
      poolId: 'h2#1',
      protocol: 'h2',
      remoteAddress: s.remoteAddress,
      remotePort: s.remotePort,
      localAddress: s.localAddress,
      localPort: s.localPort,
      openedAt: slot.connectStart,
      openedAtEpoch: Date.now() - (now - slot.connectStart),
      establishment,
      requests: 0,
      idle: newIdleStats(),
    };
    if (slot.secure) r.tls = tlsInfoOf(s as tls.TLSSocket, undefined, slot.peerCert ?? true);
    slot.peerCert = undefined;
    return r;
  }

  private start(slot: Slot, w: Waiting): void {
    const assigned = this.clock.now();
    const index = ++slot.streams;
    const s = new BenchStream(this, slot, w, assigned, index);
    if (slot.active === 0) {
      clearTimeout(slot.idleTimer);
      if (index > 1) {
        s.idleBefore = assigned - slot.lastActivity;
        if (slot.record) addIdlePeriod(slot.record.idle, s.idleBefore);
      }
    }
    slot.active++;
    this.inflight++;
    this.deadlines.watch(s);
    slot.conn.open(s, this.ctx.options.body);
  }

  /** @internal the response head of `s`. */
  onHead(s: BenchStream, status: number): void {
    s.firstByte = this.clock.now();
    s.status = status;
    // the deadline is per step: the head came, the body gets its own
    s.since = s.firstByte;
    if (this.ctx.options.discardBody) {
      // the body is not wanted: the stream is cancelled, which ends it for the server too
      s.session.conn.cancel(s, ERROR.CANCEL);
      this.end(s, undefined);
    }
  }

  /** @internal the deadline passed for `s`: RST_STREAM CANCEL, the request fails; the session lives on. */
  expire(s: BenchStream): void {
    s.session.conn.cancel(s, ERROR.CANCEL);
    this.end(s, new TimeoutError(`no response within ${this.ctx.options.timeoutMs} ms`, { layer: 'h2' }));
  }

  /** @internal RST_STREAM from the server. */
  onReset(s: BenchStream, code: number): void {
    // RFC 9113 §8.7: REFUSED_STREAM means not processed: sent again (elsewhere when possible), counted apart
    if (code === ERROR.REFUSED_STREAM && s.status === 0 && s.w.retries < MAX_RETRIES && !this.closed) return this.retry(s, false);
    const name = h2ErrorCode(code);
    if (s.status === 0 || code !== ERROR.NO_ERROR) this.resets[name] = (this.resets[name] ?? 0) + 1;
    this.end(s, new H2StreamResetError(name));
  }

  /** @internal GOAWAY: streams above its last-stream-id were not processed and are retried; the session drains. */
  onGoaway(slot: Slot, lastStreamId: number, code: number): void {
    this.goaways++;
    slot.close ??= { closedBy: 'server', reason: 'goaway', errorCode: code ? `H2_${code}` : undefined };
    if (slot.state === 'open') this.setState(slot, 'draining');
    for (const s of [...slot.conn.streams.values()]) if (s.id > lastStreamId) this.refused(s, code);
    // a GOAWAY with an error ends the session now (as node:http2 does): the streams it did process fail with it
    if (code !== ERROR.NO_ERROR) this.finish(slot, slot.close);
    else this.closeIfDrained(slot);
    this.pump();
  }

  /** A stream the server did not process (above a GOAWAY's last-stream-id): retried, or after MAX_RETRIES the request's error. */
  private refused(s: BenchStream, goawayCode: number): void {
    if (s.w.goawayRetries < MAX_GOAWAY_RETRIES && !this.closed) return this.retry(s, true);
    this.end(s, goawayCode ? new H2SessionError(H2_CODE_NAMES[goawayCode] ?? `error ${goawayCode}`) : new H2StreamResetError('NGHTTP2_REFUSED_STREAM'));
  }

  private retry(s: BenchStream, byGoaway: boolean): void {
    const slot = s.session;
    if (!this.release(s)) return;
    if (byGoaway) this.retriedGoaway++;
    else this.retriedRefused++;
    const w = s.w;
    this.queue.unshift({ ...w, retries: w.retries + (byGoaway ? 0 : 1), goawayRetries: w.goawayRetries + (byGoaway ? 1 : 0), avoid: slot });
    setImmediate(() => {
      this.closeIfDrained(slot);
      this.pump();
    });
  }

  /** Takes `s` off its session and the deadline watch; false when it had already ended. */
  private release(s: BenchStream): boolean {
    if (s.released) return false;
    s.released = true;
    this.inflight--;
    this.deadlines.unwatch(s);
    const slot = s.session;
    slot.conn.forget(s);
    slot.active--;
    slot.lastActivity = this.clock.now();
    return true;
  }

  /** @internal `s` ended: with a response (`err` undefined) or with `err`. */
  end(s: BenchStream, err: unknown): void {
    if (!this.release(s)) return;
    const slot = s.session;
    const now = slot.lastActivity;
    const w = s.w;
    const index = s.index;
    if (slot.record && err === undefined) slot.record.requests++;
    this.armIdle(slot);
    if (this.closed) return;
    this.streamsEnded++;
    // a stream that waited for this session's setup (not for a stream slot: that is h2-stream-limit) joined
    // its establishment like the first stream: that wait is connect/tls, clamped to its start, not blocked
    const joinedSetup = !w.queuedByLimit && slot.readyAt !== undefined && w.start < slot.readyAt;
    const status = s.status || undefined;
    // the hot path: a plain success on a reused session is counted without building its record (as raw does); when
    // the sample wants its record, what the record needs is kept and the record built after the load
    if (err === undefined && index > 1 && !joinedSetup && s.firstByte) {
      const sink = this.ctx.sink;
      const blocked = s.assigned - w.start;
      const wait = s.firstByte - s.assigned;
      const total = now - w.start;
      let counted: boolean;
      if (sink.deferredOk) {
        if (sink.deferredOk(blocked, wait, total, index, w.start)) this.defer(s, now);
        counted = true;
      } else counted = sink.reusedOk?.(blocked, wait, total, index) ?? false;
      if (counted) {
        this.closeIfDrained(slot);
        w.done(status, undefined);
        this.pump();
        return;
      }
    }
    this.endRecorded(s, err, joinedSetup);
  }

  /** Keeps what the record of `s` (a success on a reused session, ended at `end`) needs, for sampledRecords(). */
  private defer(s: BenchStream, end: number): void {
    this.deferredIds.push(s.session.id);
    this.deferredMarks.push(s.w.start, s.assigned, s.firstByte, end, s.index, s.status, s.idleBefore ?? NaN);
  }

  sampledRecords(take: (r: RequestTrace) => void): void {
    const ids = this.deferredIds;
    const m = this.deferredMarks;
    this.deferredIds = [];
    this.deferredMarks = [];
    for (let k = 0; k < ids.length; k++) {
      const i = k * DEFERRED_MARKS;
      const assigned = m[i + 1]!;
      const idleBefore = m[i + 6]!;
      const marks: RequestMarks = { start: m[i]!, end: m[i + 3]!, sent: assigned, firstByte: m[i + 2]!, assigned };
      // index and status back to integers (`| 0`): read from this array of doubles they are doubles, and one stored where
      // V8 had only seen integers changes the shape of every later record and of the accumulator that counts them, so
      // the next run's hot code starts its optimisation over (--log-ic: its property accesses recomputed)
      take(this.trace(ids[k]!, marks, m[i + 4]! | 0, (m[i + 5]! | 0) || undefined, Number.isNaN(idleBefore) ? undefined : idleBefore, undefined));
    }
  }

  /**
   * The rest of end() when `s` needs a full record now: an error, a session's first stream (or one that waited for
   * its setup), or a success the sample wants when the sink cannot take its record after the load (no deferredOk).
   * A method of its own so the hot path above stays small for the optimising compiler (the record's code
   * inlined into end() made it one of the largest, slowest functions to optimise, in the middle of a run).
   */
  private endRecorded(s: BenchStream, err: unknown, joinedSetup: boolean): void {
    const slot = s.session;
    const now = slot.lastActivity;
    const w = s.w;
    const index = s.index;
    const status = s.status || undefined;
    const marks: RequestMarks = { start: w.start, end: now, sent: s.assigned, firstByte: s.firstByte || undefined };
    if ((index === 1 && w.start <= slot.connectStart + 0.001) || joinedSetup) {
      if (slot.dnsEnd !== undefined) {
        marks.dnsStart = slot.connectStart;
        marks.dnsEnd = slot.dnsEnd;
      }
      marks.connectStart = slot.dnsEnd ?? slot.connectStart;
      marks.connectEnd = slot.connectEnd;
      if (slot.secure) {
        marks.tlsStart = slot.connectEnd;
        marks.tlsEnd = slot.tlsEnd;
      }
    } else marks.assigned = s.assigned;
    const t = this.trace(slot.id, marks, index, status, s.idleBefore, err);
    this.closeIfDrained(slot);
    this.ctx.sink.request(t);
    w.done(err === undefined ? status : undefined, err);
    this.pump();
  }

  /** One request's record: the one way both endRecorded() and sampledRecords() build it. */
  private trace(connectionId: string, marks: RequestMarks, index: number, status: number | undefined, idleBefore: number | undefined, err: unknown): RequestTrace {
    const t: RequestTrace = {
      id: '',
      connectionId,
      origin: this.origin,
      method: this.ctx.options.method,
      path: this.path,
      source: 'http2',
      poolId: 'h2#1',
      startedAt: marks.start,
      startedAtEpoch: 0,
      phases: phasesFromMarks(marks),
      reused: index > 1,
      requestIndexOnConnection: index,
      httpVersion: '2.0',
    };
    if (idleBefore !== undefined) t.idleBeforeMs = idleBefore;
    if (status !== undefined) t.status = status;
    if (err !== undefined) t.error = classifyError(err, index > 1);
    return t;
  }

  /** Moves `slot` to `next`, keeping the counts of connecting and live sessions that pump() reads. */
  private setState(slot: Slot, next: Slot['state']): void {
    const prev = slot.state;
    if (prev === 'connecting') this.connecting--;
    if (prev === 'connecting' || prev === 'open') this.live--;
    if (next === 'connecting') this.connecting++;
    if (next === 'connecting' || next === 'open') this.live++;
    slot.state = next;
  }

  /** A session that received GOAWAY and has no stream left is closed here: it would otherwise linger open. */
  private closeIfDrained(slot: Slot): void {
    if (slot.state === 'draining' && slot.active === 0) this.finish(slot, slot.close ?? { closedBy: 'server', reason: 'goaway' });
  }

  /** @internal ends a session; its streams still open fail (or are retried when the server never processed them). */
  finish(slot: Slot, close: CloseInfo): void {
    if (slot.state === 'closed') return;
    const wasConnecting = slot.state === 'connecting';
    this.setState(slot, 'closed');
    slot.close = close;
    clearTimeout(slot.connectTimer);
    clearTimeout(slot.idleTimer);
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    // a polite GOAWAY when the client ends a working session (idle timeout, end of the run)
    if (close.closedBy === 'client' && slot.failure === undefined && !wasConnecting) slot.conn.goodbye();
    // a protocol error: the GOAWAY just written gets out before the socket goes
    if (slot.failure instanceof H2ProtocolError) {
      slot.socket.end();
      setTimeout(() => slot.socket.destroy(), 1000).unref();
    } else slot.socket.destroy();
    const left = [...slot.conn.streams.values()];
    if (slot.record) {
      slot.record.closedAt = performance.now();
      slot.record.close = close;
      this.ctx.sink.close(slot.record, left.length === 0 ? performance.now() - slot.lastActivity : undefined);
    }
    if (!this.closed) {
      const goaway = slot.conn.goawayLastStreamId;
      for (const s of left) {
        if (goaway !== undefined && s.id > goaway) this.refused(s, slot.conn.goawayCode);
        else this.end(s, this.streamFailure(slot, s));
      }
    }
    if (!this.closed && !wasConnecting) this.pump();
    else if (!this.closed && wasConnecting) setImmediate(() => this.pump());
  }

  /** The error of a stream whose session ended under it. */
  private streamFailure(slot: Slot, s: BenchStream): unknown {
    if (slot.failure !== undefined) return slot.failure;
    const code = slot.conn.goawayCode;
    if (slot.conn.goawayLastStreamId !== undefined && code !== 0) return new H2SessionError(H2_CODE_NAMES[code] ?? `error ${code}`);
    return new SocketResetError(`the server closed the HTTP/2 connection with the stream ${s.firstByte ? 'receiving its body' : 'waiting for its response head'}`, { layer: 'h2' });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.deadlines.stop();
    this.queue.length = 0;
    for (const s of [...this.slots]) this.finish(s, { closedBy: 'client', reason: 'pool-closed' });
  }
}
