import { open } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { diagnose } from '../diagnose/index.js';
import type { Thresholds } from '../diagnose/thresholds.js';
import { CaptureFormatError, UsageError } from '../errors.js';
import { captureFacts } from './capture-facts.js';
import { CaptureSession } from './capture-session.js';
import { FlowTable, type FlowFilter } from './flow-table.js';
import type { CaptureFileReader, PacketSink } from './packet-sink.js';
import { PcapReader } from './pcap-reader.js';
import { PcapngReader } from './pcapng-reader.js';
import type { PcapConnectionRecord } from './pcap-record.js';
import { SummaryBuilder } from './summary.js';
import { connectionRecord, requestTrace, type RecordClock } from './to-records.js';

export interface AnalyzeOptions {
  /** Only connections with this port on either side. */
  port?: number;
  /** Only connections with this IP address on either side, or (a name) this TLS server name. */
  host?: string;
  /** A FIN this long after the last payload is an idle timeout rather than a close after a response (default 250 ms). */
  idleCloseMs?: number;
  /** Connection records kept in the session (the first ones; the summary counts all). Default 10,000. */
  maxConnections?: number;
  /** Request records kept in the session (the first ones). Default 10,000. */
  maxRequests?: number;
  /** Reassemble and parse TLS/HTTP payloads (default true). */
  parsePayload?: boolean;
  /** Run the findings engine (default true). */
  diagnose?: boolean;
  thresholds?: Partial<Thresholds>;
  signal?: AbortSignal;
  /** Called as bytes are read (for a progress bar). */
  onProgress?: (bytesRead: number) => void;
}

export type CaptureInput = string | Buffer | Readable | AsyncIterable<Buffer | Uint8Array>;

const CHUNK = 1 << 20;

/**
 * Reads a file into one reused buffer: the readers copy whatever must outlive a chunk, so nothing else
 * is allocated per chunk (less garbage, lower RSS on big captures).
 */
async function* readFileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

function openInput(input: CaptureInput): AsyncIterable<Buffer | Uint8Array> {
  if (typeof input === 'string') return readFileChunks(input);
  if (Buffer.isBuffer(input)) {
    return (async function* () {
      for (let i = 0; i < input.length; i += CHUNK) yield input.subarray(i, i + CHUNK);
    })();
  }
  return input as AsyncIterable<Buffer>;
}

/** Picks the reader from the first four bytes. */
function readerFor(magic: Buffer, sink: PacketSink): CaptureFileReader {
  const le = magic.readUInt32LE(0);
  if (le === 0x0a0d0d0a) return new PcapngReader(sink);
  if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(le)) return new PcapReader(sink);
  throw new CaptureFormatError(`not a pcap or pcapng file (magic 0x${magic.subarray(0, 4).toString('hex')})`, 0);
}

function hostFilter(host: string | undefined): { filter: FlowFilter; name?: string } {
  if (host === undefined) return { filter: {} };
  const h = host.replace(/^\[|\]$/g, '');
  if (isIPv4(h)) return { filter: { ipv4: h.split('.').reduce((n, p) => n * 256 + Number(p), 0) } };
  if (isIPv6(h)) return { filter: { ipv6: new URL(`http://[${h}]/`).hostname.slice(1, -1) } };
  return { filter: {}, name: h.toLowerCase() };
}

/**
 * Streams a pcap/pcapng capture into the shared model: a Session of connection records (source 'pcap'),
 * request records for cleartext HTTP/1.1, facts, findings, and a summary. Memory stays bounded: payloads
 * are only kept while a handshake or HTTP head is being read, and record lists are capped.
 */
export async function analyzeCapture(input: CaptureInput, options: AnalyzeOptions = {}): Promise<CaptureSession> {
  const began = performance.now();
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) {
    throw new UsageError(`invalid port ${options.port}`);
  }
  const { filter, name } = hostFilter(options.host);
  if (options.port !== undefined) filter.port = options.port;
  const session = new CaptureSession({ maxRequests: options.maxRequests ?? 10_000 });
  const maxConnections = options.maxConnections ?? 10_000;
  let droppedConnections = 0;
  const summary = new SummaryBuilder();
  const clock: RecordClock = { originEpochMs: 0, idleCloseMs: options.idleCloseMs ?? 250 };
  const matchesName = (sni: string | undefined): boolean => name === undefined || sni?.toLowerCase() === name;

  const table = new FlowTable({
    filter: Object.keys(filter).length ? filter : undefined,
    parsePayload: options.parsePayload,
    onExchange: (c, x) => {
      const trace = requestTrace(c, x, c.previousExchangeEndAt, clock);
      c.previousExchangeEndAt = x.endAt ?? c.previousExchangeEndAt;
      if (name !== undefined) return;
      // keep the first records: dropping old ones instead would churn the old generation on big captures
      if (session.requestCount < session.maxRequests) session.addRequest(trace);
      else session.droppedRequests++;
    },
    onConnection: (c) => {
      const record: PcapConnectionRecord = connectionRecord(c, clock);
      if (!matchesName(record.pcap.tls?.sni)) return;
      summary.add(record);
      // past the cap a record lives only long enough to be counted, so it dies young (cheap to collect)
      if (session.connections.size < maxConnections) session.addConnection(record);
      else droppedConnections++;
    },
  });

  const sink: PacketSink = (buf, start, end, ts, linkType) => {
    if (table.firstTs === undefined) clock.originEpochMs = ts;
    table.packet(buf, start, end, ts, linkType);
  };

  let reader: CaptureFileReader | undefined;
  let head: Buffer | undefined;
  let bytes = 0;
  try {
    for await (const raw of openInput(input)) {
      if (options.signal?.aborted) break;
      let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      bytes += chunk.length;
      if (!reader) {
        // a copy: the chunk's buffer is reused by the next read
        head = head ? Buffer.concat([head, chunk]) : Buffer.from(chunk);
        if (head.length < 4) continue;
        reader = readerFor(head, sink);
        chunk = head;
        head = undefined;
      }
      reader.feed(chunk);
      options.onProgress?.(bytes);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('E') && typeof input === 'string') {
      throw new UsageError(`cannot read ${input}: ${code === 'ENOENT' ? 'no such file' : code}`);
    }
    throw err;
  }
  if (!reader) throw new CaptureFormatError(bytes === 0 ? 'empty capture file' : 'truncated capture file header', bytes);
  if (!options.signal?.aborted) reader.end();
  table.finishAll();

  // records in the order connections were opened
  const ordered = [...session.connections.values()].sort((a, b) => a.openedAtEpoch - b.openedAtEpoch || Number(a.id.slice(1)) - Number(b.id.slice(1)));
  session.connections.clear();
  for (const r of ordered) session.connections.set(r.id, r);
  session.sortRequests((a, b) => a.startedAtEpoch - b.startedAtEpoch);

  const durationMs = table.firstTs === undefined ? 0 : table.lastTs - table.firstTs;
  session.summary = summary.build();
  session.facts = captureFacts(summary, session.summary, durationMs);
  session.capture = {
    file: typeof input === 'string' ? input : undefined,
    format: reader.format,
    linkTypes: [...reader.linkTypes],
    bytes,
    packets: reader.packets,
    tcpPackets: table.tcpPackets,
    skipped: table.skipped,
    droppedConnections,
    firstPacketEpochMs: table.firstTs,
    durationMs,
    elapsedMs: performance.now() - began,
  };
  if (options.diagnose !== false) session.findings = diagnose(session, { thresholds: options.thresholds });
  return session;
}
