import { isIPv4, isIPv6 } from 'node:net';
import { diagnose } from '../diagnose/index.js';
import type { Thresholds } from '../diagnose/thresholds.js';
import { CaptureFormatError, UsageError } from '../errors.js';
import { captureBytes, GzipTruncated, type CaptureInput, type InputProgress } from './capture-input.js';
import { captureFacts } from './capture-facts.js';
import { CaptureSession } from './capture-session.js';
import { FlowTable, type FlowFilter } from './flow-table.js';
import type { CaptureFileReader, CaptureTruncation, PacketSink } from './packet-sink.js';
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
  /** Called as bytes are read (for a progress bar): bytes of the file itself, compressed when it is gzip. */
  onProgress?: (bytesRead: number) => void;
  /**
   * Refuse a capture whose input stops inside a packet (CaptureFormatError). By default the complete
   * packets are analysed and `session.capture.truncated` says where the input stopped, as tshark does.
   */
  strict?: boolean;
}

export type { CaptureInput } from './capture-input.js';

/** Picks the reader from the first four bytes. */
function readerFor(magic: Buffer, sink: PacketSink, gzip: boolean): CaptureFileReader {
  const le = magic.readUInt32LE(0);
  if (le === 0x0a0d0d0a) return new PcapngReader(sink);
  if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(le)) return new PcapReader(sink);
  throw new CaptureFormatError(`not a pcap or pcapng file${gzip ? ' inside the gzip stream' : ''} (magic 0x${magic.subarray(0, 4).toString('hex')})`, 0);
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
  // process.hrtime, not perf_hooks: loading perf_hooks costs a `connscope pcap` run more than it measures
  const began = process.hrtime.bigint();
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
  let truncated: CaptureTruncation | undefined;
  let gzipCut = false;
  const progress: InputProgress = { rawBytes: 0, gzip: false };
  try {
    for await (let chunk of captureBytes(input, progress)) {
      if (options.signal?.aborted) break;
      bytes += chunk.length;
      if (!reader) {
        const first = head ? Buffer.concat([head, chunk]) : chunk;
        if (first.length < 4) {
          // kept for the next chunk: a copy, the chunk's buffer is reused by the next read. Only then: the
          // readers copy what must outlive a chunk, and copying a whole first chunk (4 MiB) cost a run 1-2 ms
          head = Buffer.from(first);
          continue;
        }
        reader = readerFor(first, sink, progress.gzip);
        chunk = first;
        head = undefined;
      }
      reader.feed(chunk);
      options.onProgress?.(progress.rawBytes);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('E') && typeof input === 'string') {
      throw new UsageError(`cannot read ${input}: ${code === 'ENOENT' ? 'no such file' : code}`);
    }
    // what was decompressed before the gzip stream stopped is still analysed: the packet cut there is the truncation
    if (!(err instanceof GzipTruncated)) throw err;
    gzipCut = true;
  }
  if (!reader) throw new CaptureFormatError(bytes === 0 ? 'empty capture file' : 'truncated capture file header', bytes);
  if (!options.signal?.aborted) truncated = reader.end();
  // cut between two packets: nothing is half-read, but the capture did not end where it was meant to
  if (gzipCut && !truncated) truncated = { offset: bytes, message: `the gzip stream ends early, after ${reader.packets} packets` };
  if (truncated && options.strict) throw new CaptureFormatError(truncated.message, truncated.offset);
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
    gzip: progress.gzip,
    linkTypes: [...reader.linkTypes],
    bytes,
    packets: reader.packets,
    tcpPackets: table.tcpPackets,
    skipped: table.skipped,
    droppedConnections,
    truncated,
    firstPacketEpochMs: table.firstTs,
    durationMs,
    elapsedMs: Number(process.hrtime.bigint() - began) / 1e6,
  };
  if (options.diagnose !== false) session.findings = diagnose(session, { thresholds: options.thresholds });
  return session;
}
