import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { CloseInfo, ConnectionRecord } from '../../model/connection.js';
import { addIdlePeriod, newIdleStats } from '../../model/connection.js';
import type { Facts } from '../../model/facts.js';
import { phasesFromMarks, type RequestMarks } from '../../model/phases.js';
import type { RequestTrace } from '../../model/request.js';
import { classifyError, ConnscopeError } from '../../errors.js';
import { h2ErrorCode } from '../error-codes.js';
import { countStep, originOf, pathOf, requestHeaders, type Engine, type EngineContext, type RequestDone, type StepCounts } from '../engine.js';

interface Waiting {
  start: number;
  done: RequestDone;
  /** Had to wait because every session was at its stream limit. */
  queuedByLimit: boolean;
  /** Times this request's stream was refused unprocessed and sent again. */
  retries: number;
  /** The session that refused it last: another one is preferred for the retry. */
  avoid?: Slot;
}

/** How often one request's refused stream is sent again before the refusal counts as its error. */
const MAX_RETRIES = 3;

let h2Seq = 0;

/** One HTTP/2 session of the pool, with its own accounting. */
interface Slot {
  id: string;
  session: http2.ClientHttp2Session;
  /** Last-stream-id of the GOAWAY received: streams above it were not processed (RFC 9113 §6.8). */
  goawayLastStreamId?: number;
  state: 'connecting' | 'open' | 'draining' | 'closed';
  active: number;
  streams: number;
  connectStart: number;
  connectEnd?: number;
  tlsEnd?: number;
  /** The session became usable (connected and the server's SETTINGS known). */
  readyAt?: number;
  lastActivity: number;
  record?: ConnectionRecord;
  close?: CloseInfo;
}

/**
 * HTTP/2 over node:http2: up to `connections` sessions, streams spread over them, each session
 * capped at min(server SETTINGS_MAX_CONCURRENT_STREAMS, --max-concurrent-streams). Requests beyond
 * the cap wait (counted for h2-stream-limit); GOAWAY drains a session and a new one is opened.
 */
export class H2Engine implements Engine {
  readonly kind = 'h2' as const;
  readonly selfAccounting = true;
  private readonly slots = new Set<Slot>();
  private readonly queue: Waiting[] = [];
  private session: Buffer | undefined;
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
  private readonly headers: http2.OutgoingHttpHeaders;
  /** Streams open right now, and whether their response head arrived. */
  private readonly streamsOpen = new Set<{ headers: boolean }>();

  constructor(private readonly ctx: EngineContext) {
    const o = ctx.options;
    this.origin = originOf(o.url);
    const h: http2.OutgoingHttpHeaders = { ':method': o.method, ':path': pathOf(o.url), ':authority': o.url.host };
    for (const [k, v] of Object.entries(requestHeaders(o))) if (k !== 'host' && k !== 'connection') h[k] = v;
    if (o.url.username || o.url.password) {
      h.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(o.url.username)}:${decodeURIComponent(o.url.password)}`).toString('base64')}`;
    }
    this.headers = h;
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

  private slotLimit(s: Slot): number {
    const server = s.session.remoteSettings?.maxConcurrentStreams ?? 100;
    const client = this.ctx.options.maxConcurrentStreams;
    return client === undefined ? server : Math.min(client, server);
  }

  stuckSteps(): StepCounts {
    const counts: StepCounts = {};
    for (const s of this.streamsOpen) countStep(counts, s.headers ? 'receiving' : 'waiting');
    const connecting = [...this.slots].some((s) => s.state === 'connecting');
    countStep(counts, connecting ? 'connecting' : 'blocked', this.queue.length);
    return counts;
  }

  send(done: RequestDone): void {
    this.queue.push({ start: performance.now(), done, queuedByLimit: false, retries: 0 });
    this.pump();
  }

  /**
   * A pool of `connections` sessions: sessions are opened together (one per waiting request, up to
   * the pool size), so the load spreads over N sessions kept open at once rather than filling one
   * after another; each stream goes to the least busy session below its stream limit.
   */
  private pump(): void {
    if (this.closed) return;
    let connecting = 0;
    let live = 0;
    let active = 0;
    for (const s of this.slots) {
      if (s.state === 'connecting') connecting++;
      if (s.state === 'open' || s.state === 'connecting') live++;
      active += s.active;
    }
    while (live < this.ctx.options.connections && this.queue.length > connecting) {
      this.open();
      live++;
      connecting++;
    }
    // while sessions are still connecting, a ready one takes only its share of the work
    const share = connecting > 0 ? Math.ceil((active + this.queue.length) / live) : Infinity;
    while (this.queue.length > 0) {
      const w = this.queue[0]!;
      let best: Slot | undefined;
      let avoided: Slot | undefined;
      for (const s of this.slots) {
        if (s.state !== 'open' || s.active >= Math.min(this.slotLimit(s), share)) continue;
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

  private open(): void {
    const o = this.ctx.options;
    const secure = o.url.protocol === 'https:';
    const host = o.url.hostname.startsWith('[') ? o.url.hostname.slice(1, -1) : o.url.hostname;
    const port = Number(o.url.port || (secure ? 443 : 80));
    const slot: Slot = { id: `h2-${++h2Seq}`, state: 'connecting', active: 0, streams: 0, connectStart: performance.now(), lastActivity: 0, session: undefined as unknown as http2.ClientHttp2Session };
    const socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: o.ca, rejectUnauthorized: !o.insecure, ALPNProtocols: ['h2'], session: o.tlsSessionCache > 0 ? this.session : undefined })
      : net.connect({ host, port });
    if (secure && o.tlsSessionCache > 0) socket.on('session', (s: Buffer) => (this.session = s));
    socket.once('connect', () => (slot.connectEnd = performance.now()));
    const session = http2.connect(o.url.origin, { createConnection: () => socket });
    slot.session = session;
    this.slots.add(slot);
    const timer = setTimeout(() => session.destroy(Object.assign(new Error(`connect timed out after ${o.connectTimeoutMs} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' })), o.connectTimeoutMs);
    // streams start only once the server's SETTINGS are known, so none are refused over its limit
    let connected = false;
    let settings = false;
    const ready = (): void => {
      if (!connected || !settings || slot.state !== 'connecting') return;
      slot.state = 'open';
      slot.lastActivity = slot.readyAt = performance.now();
      slot.record = this.record(slot, socket, secure);
      this.ctx.sink.connection(slot.record);
      if (o.idleTimeoutMs !== undefined) {
        session.setTimeout(o.idleTimeoutMs, () => {
          if (slot.active === 0) this.finish(slot, { closedBy: 'client', reason: 'client-idle-timeout' });
        });
      }
      this.pump();
    };
    session.once('connect', () => {
      clearTimeout(timer);
      slot.tlsEnd = performance.now();
      connected = true;
      ready();
    });
    session.once('remoteSettings', () => {
      settings = true;
      ready();
    });
    session.on('remoteSettings', (s) => (this.serverMaxStreams = s.maxConcurrentStreams));
    session.on('goaway', (code, lastStreamId) => {
      this.goaways++;
      slot.goawayLastStreamId = lastStreamId;
      slot.close ??= { closedBy: 'server', reason: 'goaway', errorCode: code ? `H2_${code}` : undefined };
      if (slot.state !== 'closed') slot.state = 'draining';
      this.closeIfDrained(slot);
      this.pump();
    });
    // a session that dies before it is ready fails one waiting request: the failure is counted, and
    // a count-bounded run against a server that keeps closing new connections still ends
    let failedWaiter = false;
    const failWaiter = (err: unknown): void => {
      if (failedWaiter || slot.state !== 'connecting') return;
      failedWaiter = true;
      const w = this.queue.shift();
      if (w) setImmediate(w.done, undefined, err);
    };
    session.on('error', (err) => {
      const code = classifyError(err).code;
      slot.close ??= { closedBy: slot.state === 'connecting' ? 'unknown' : 'server', reason: `error:${code}`, errorCode: code };
      failWaiter(err);
    });
    session.on('close', () => {
      clearTimeout(timer);
      failWaiter(Object.assign(new Error('the server closed the connection before its HTTP/2 SETTINGS'), { code: 'CONNSCOPE_ERR_H2_NO_SETTINGS' }));
      this.finish(slot, slot.close ?? { closedBy: 'server', reason: 'server-closed' });
    });
  }

  private record(slot: Slot, socket: net.Socket, secure: boolean): ConnectionRecord {
    const now = slot.tlsEnd ?? performance.now();
    const connectEnd = slot.connectEnd ?? now;
    const r: ConnectionRecord = {
      id: slot.id,
      origin: this.origin,
      source: 'http2',
      poolId: 'h2#1',
      protocol: 'h2',
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      openedAt: slot.connectStart,
      openedAtEpoch: Date.now() - (now - slot.connectStart),
      establishment: { connect: connectEnd - slot.connectStart, total: now - slot.connectStart },
      requests: 0,
      idle: newIdleStats(),
    };
    if (secure) {
      const t = socket as tls.TLSSocket;
      r.establishment.tls = now - connectEnd;
      r.tls = { resumed: t.isSessionReused(), version: t.getProtocol() ?? undefined, cipher: t.getCipher()?.name, alpn: t.alpnProtocol ?? undefined };
    }
    return r;
  }

  private start(slot: Slot, w: Waiting): void {
    const o = this.ctx.options;
    const assigned = performance.now();
    const index = ++slot.streams;
    let idleBefore: number | undefined;
    if (slot.active === 0 && index > 1) {
      idleBefore = assigned - slot.lastActivity;
      if (slot.record) addIdlePeriod(slot.record.idle, idleBefore);
    }
    slot.active++;
    let firstByte: number | undefined;
    let status: number | undefined;
    let finished = false;
    const step = { headers: false };
    this.streamsOpen.add(step);
    const end = (err: unknown): void => {
      if (finished) return;
      finished = true;
      this.streamsOpen.delete(step);
      slot.active--;
      const now = performance.now();
      slot.lastActivity = now;
      if (slot.record && err === undefined) slot.record.requests++;
      const marks: RequestMarks = { start: w.start, end: now, sent: assigned, firstByte };
      // a stream that waited for this session's setup (not for a stream slot: that is h2-stream-limit) joined
      // its establishment like the first stream: that wait is connect/tls, clamped to its start, not blocked
      const joinedSetup = !w.queuedByLimit && slot.readyAt !== undefined && w.start < slot.readyAt;
      if ((index === 1 && w.start <= slot.connectStart + 0.001) || joinedSetup) {
        marks.connectStart = slot.connectStart;
        marks.connectEnd = slot.connectEnd;
        if (o.url.protocol === 'https:') {
          marks.tlsStart = slot.connectEnd;
          marks.tlsEnd = slot.tlsEnd;
        }
      } else marks.assigned = assigned;
      const t: RequestTrace = {
        id: '',
        connectionId: slot.id,
        origin: this.origin,
        method: o.method,
        path: pathOf(o.url),
        source: 'http2',
        poolId: 'h2#1',
        startedAt: w.start,
        startedAtEpoch: 0,
        phases: phasesFromMarks(marks),
        reused: index > 1,
        requestIndexOnConnection: index,
        httpVersion: '2.0',
      };
      if (idleBefore !== undefined) t.idleBeforeMs = idleBefore;
      if (status !== undefined) t.status = status;
      if (err !== undefined) t.error = classifyError(err, index > 1);
      if (!this.closed) {
        this.streamsEnded++;
        this.closeIfDrained(slot);
        this.ctx.sink.request(t);
        w.done(err === undefined ? status : undefined, err);
        this.pump();
      }
    };
    // RFC 9113 §8.7: a stream refused with REFUSED_STREAM, or above a GOAWAY's last-stream-id, was
    // not processed: it is sent again (elsewhere when possible), counted apart, not as an error or toward -n
    const retry = (byGoaway: boolean): void => {
      finished = true;
      this.streamsOpen.delete(step);
      slot.active--;
      slot.lastActivity = performance.now();
      if (byGoaway) this.retriedGoaway++;
      else this.retriedRefused++;
      this.queue.unshift({ ...w, retries: w.retries + 1, avoid: slot });
      setImmediate(() => {
        this.closeIfDrained(slot);
        this.pump();
      });
    };
    let stream: http2.ClientHttp2Stream;
    try {
      stream = slot.session.request(this.headers, { endStream: o.body === undefined });
    } catch (err) {
      // the session is draining or gone: the stream never left
      const code = classifyError(err).code;
      if ((code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION') && w.retries < MAX_RETRIES && !this.closed) retry(true);
      else setImmediate(end, err);
      return;
    }
    if (o.body !== undefined) stream.end(o.body);
    let timedOut = false;
    stream.setTimeout(o.timeoutMs, () => {
      timedOut = true;
      stream.close(http2.constants.NGHTTP2_CANCEL);
    });
    /** The stream ended without a complete response: a refusal to retry, a server reset, or `raw`. */
    const failed = (raw: unknown): void => {
      if (finished) return;
      if (timedOut) return end(new ConnscopeError('CONNSCOPE_ERR_TIMEOUT', `no response within ${o.timeoutMs} ms`, { layer: 'h2' }));
      const rst = stream.rstCode;
      const aboveGoaway = slot.goawayLastStreamId !== undefined && stream.id !== undefined && stream.id > slot.goawayLastStreamId;
      const refused = rst === http2.constants.NGHTTP2_REFUSED_STREAM || aboveGoaway;
      if (refused && status === undefined && w.retries < MAX_RETRIES && !this.closed) return retry(aboveGoaway);
      // a stream closed because its whole session failed (or the pool closed) is not a reset of that stream
      const sessionGone = slot.session.destroyed && rst !== http2.constants.NGHTTP2_REFUSED_STREAM;
      if (rst === undefined || this.closed || sessionGone) return end(raw ?? new ConnscopeError('ERR_HTTP2_STREAM_ERROR', 'the stream closed before a complete response', { layer: 'h2' }));
      const code = h2ErrorCode(rst);
      this.resets[code] = (this.resets[code] ?? 0) + 1;
      end(new ConnscopeError(code, `the server reset the stream (RST_STREAM ${code.slice(8)})`, { layer: 'h2', cause: raw }));
    };
    stream.once('response', (headers) => {
      firstByte = performance.now();
      step.headers = true;
      status = Number(headers[':status']);
      if (o.discardBody) {
        stream.pause();
        end(undefined);
      }
    });
    stream.on('data', () => undefined);
    stream.once('end', () => end(undefined));
    stream.once('error', failed);
    stream.once('close', () => {
      // the last DATA frame can close the stream before 'end' is emitted
      if (!finished && stream.rstCode === http2.constants.NGHTTP2_NO_ERROR && status !== undefined) return end(undefined);
      failed(undefined);
    });
  }

  /** A session that received GOAWAY and has no stream left is closed here: it would otherwise linger open. */
  private closeIfDrained(slot: Slot): void {
    if (slot.state === 'draining' && slot.active === 0) this.finish(slot, slot.close ?? { closedBy: 'server', reason: 'goaway' });
  }

  private finish(slot: Slot, close: CloseInfo): void {
    if (slot.state === 'closed') return;
    const wasConnecting = slot.state === 'connecting';
    slot.state = 'closed';
    slot.close = close;
    this.slots.delete(slot);
    if (!slot.session.destroyed) slot.session.destroy();
    if (slot.record) {
      slot.record.closedAt = performance.now();
      slot.record.close = close;
      this.ctx.sink.close(slot.record, slot.active === 0 ? performance.now() - slot.lastActivity : undefined);
    }
    if (!this.closed && !wasConnecting) this.pump();
    else if (!this.closed && wasConnecting) setImmediate(() => this.pump());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    for (const s of [...this.slots]) this.finish(s, { closedBy: 'client', reason: 'pool-closed' });
  }
}
