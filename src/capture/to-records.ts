import type { CloseInfo, CloseReason, ConnectionRecord, TlsInfo } from '../model/connection.js';
import { parseKeepAliveHeader } from '../model/connection.js';
import { phasesFromMarks, type ConnectionPhases } from '../model/phases.js';
import type { RequestTrace } from '../model/request.js';
import type { HttpExchange } from './http1-exchange.js';
import type { PcapConnectionInfo, PcapConnectionRecord, PcapTlsInfo } from './pcap-record.js';
import type { TcpConnection } from './tcp-connection.js';
import type { TlsObservation } from './tls-handshake.js';
import { cipherName, groupName, versionName } from './tls-names.js';

const TLS13 = 0x0304;

export interface RecordClock {
  /** Epoch ms of the first packet: record times are ms since then. */
  originEpochMs: number;
  /** A close this long after the last payload counts as an idle timeout, not a close after a response. */
  idleCloseMs: number;
}

const endpoint = (addr: string, port: number): string => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);

export function tlsDetail(o: TlsObservation): PcapTlsInfo {
  const ch = o.clientHello;
  const sh = o.serverHello;
  const selected = sh ? (sh.selectedVersion ?? sh.legacyVersion) : undefined;
  const echoed = !!ch && !!sh && ch.sessionIdHex !== '' && ch.sessionIdHex === sh.sessionIdHex;
  const offers13 = ch ? ch.versions.includes(TLS13) : false;
  // a TLS 1.3 client sends a random legacy session id ("middlebox compatibility"): not a resumption attempt
  const attempted = o.pskOffered || (!!ch && ch.ticketBytes > 0) || (!!ch && ch.sessionIdHex !== '' && !offers13);
  const resumed = selected === TLS13 ? !!sh?.pskAccepted : !!sh && (echoed || o.abbreviated);
  return {
    handshakes: o.clientHellos,
    sni: ch?.sni,
    legacyVersion: ch?.legacyVersion,
    offeredVersions: ch?.versions ?? [],
    selectedVersion: selected,
    cipherId: sh?.cipher,
    alpnOffered: ch?.alpn ?? [],
    alpn: sh?.alpn,
    groups: ch?.groups ?? [],
    keyShareGroups: ch?.keyShareGroups ?? [],
    sessionIdLength: (ch?.sessionIdHex.length ?? 0) / 2,
    sessionTicketOffered: ch?.sessionTicketExt ?? false,
    ticketPresented: (ch?.ticketBytes ?? 0) > 0,
    pskOffered: o.pskOffered,
    pskAccepted: sh?.pskAccepted ?? false,
    earlyDataOffered: ch?.earlyData ?? false,
    helloRetry: o.helloRetry,
    helloRetryGroup: o.helloRetryGroup,
    sessionIdEchoed: selected !== TLS13 && echoed,
    abbreviated: o.abbreviated,
    resumptionAttempted: attempted,
    resumed,
    handshakeMs: o.clientHelloAt !== undefined && o.appDataAt !== undefined ? o.appDataAt - o.clientHelloAt : undefined,
    alert: o.alert,
    unparsable: o.unparsable,
  };
}

function tlsInfo(o: TlsObservation, d: PcapTlsInfo): TlsInfo {
  const info: TlsInfo = { resumed: d.resumed };
  if (d.selectedVersion !== undefined) info.version = versionName(d.selectedVersion);
  if (d.cipherId !== undefined) info.cipher = cipherName(d.cipherId);
  const group = d.selectedVersion === TLS13 ? o.serverHello?.group : o.ecdheGroup;
  if (group !== undefined) info.group = groupName(group);
  if (d.alpn !== undefined) info.alpn = d.alpn;
  else if (o.serverHello && d.selectedVersion !== TLS13) info.alpn = false;
  if (o.chain) info.chain = o.chain;
  if (o.serverHello && d.selectedVersion !== TLS13 && o.clientHello?.statusRequest) info.ocspStapled = o.ocspStapled;
  if (d.sni !== undefined) info.servername = d.sni;
  return info;
}

function closeInfo(c: TcpConnection, clock: RecordClock): CloseInfo | undefined {
  const fc = c.firstClose;
  if (!fc) return undefined;
  if (fc.flag === 'RST') return { closedBy: fc.side, reason: 'reset', errorCode: 'ECONNRESET' };
  const idle = fc.lastPayloadAt === undefined ? undefined : fc.at - fc.lastPayloadAt;
  const longIdle = idle !== undefined && idle >= clock.idleCloseMs;
  let reason: CloseReason;
  if (fc.side === 'server') {
    const said = c.http?.lastResponseConnection?.toLowerCase().includes('close');
    if (idle === undefined) reason = 'server-closed';
    else if (said) reason = 'server-connection-close';
    else reason = longIdle ? 'server-idle-timeout' : 'server-connection-close';
  } else {
    if (idle === undefined) reason = 'client-closed';
    else if (longIdle) reason = 'client-idle-timeout';
    else reason = 'client-closed';
  }
  return { closedBy: fc.side, reason };
}

export function connectionRecord(c: TcpConnection, clock: RecordClock): PcapConnectionRecord {
  const rel = (t: number | undefined): number | undefined => (t === undefined ? undefined : t - clock.originEpochMs);
  const tlsObs = c.tls?.obs;
  const tlsD = tlsObs ? tlsDetail(tlsObs) : undefined;
  const host = tlsD?.sni ?? (c.serverAddr.includes(':') ? `[${c.serverAddr}]` : c.serverAddr);
  const scheme = c.app === 'tls' ? 'https' : c.app === 'http' ? 'http' : 'tcp';
  const openedAtEpoch = c.synAt ?? c.firstAt;

  const establishment: ConnectionPhases = { total: 0 };
  const connectEnd = c.ackAt ?? c.synAckAt;
  if (c.synAt !== undefined && connectEnd !== undefined) establishment.connect = connectEnd - c.synAt;
  const tlsStart = connectEnd ?? tlsObs?.clientHelloAt;
  if (tlsObs?.appDataAt !== undefined && tlsStart !== undefined) establishment.tls = Math.max(0, tlsObs.appDataAt - tlsStart);
  const estStart = c.synAt ?? tlsObs?.clientHelloAt;
  const estEnd = tlsObs?.appDataAt ?? connectEnd;
  if (estStart !== undefined && estEnd !== undefined) establishment.total = Math.max(0, estEnd - estStart);

  const alpn = tlsD?.alpn;
  const protocol = c.app === 'http' ? 'http/1.1' : alpn === 'h2' ? 'h2' : alpn === 'http/1.1' ? 'http/1.1' : 'unknown';
  const fc = c.firstClose;
  const requests = c.http ? c.http.requests : c.turns;
  const keepAliveHeader = c.http?.lastResponseKeepAlive;
  const connectionHeader = c.http?.lastResponseConnection;

  const record: ConnectionRecord = {
    id: c.id,
    origin: `${scheme}://${host}:${c.serverPort}`,
    source: 'pcap',
    protocol,
    localAddress: c.clientAddr,
    localPort: c.clientPort,
    remoteAddress: c.serverAddr,
    remotePort: c.serverPort,
    openedAt: openedAtEpoch - clock.originEpochMs,
    openedAtEpoch,
    establishment,
    requests,
    idle: c.idle,
    bytesSent: c.c2s.bytes,
    bytesReceived: c.s2c.bytes,
  };
  if (tlsObs && tlsD) record.tls = tlsInfo(tlsObs, tlsD);
  if (fc) record.closedAt = fc.at - clock.originEpochMs;
  const close = closeInfo(c, clock);
  if (close) record.close = close;
  if (keepAliveHeader !== undefined || connectionHeader !== undefined) {
    record.keepAliveHint = { connectionHeader, keepAliveHeader, ...parseKeepAliveHeader(keepAliveHeader) };
  }
  return Object.assign(record, {
    pcap: {
      client: endpoint(c.clientAddr, c.clientPort),
      server: endpoint(c.serverAddr, c.serverPort),
      rolesFrom: c.roleFrom,
      app: (c.app === 'unknown' ? 'none' : c.app) as PcapConnectionInfo['app'],
      packets: c.packets,
      synAt: rel(c.synAt),
      synAckAt: rel(c.synAckAt),
      ackAt: rel(c.ackAt),
      rttMs: c.synAt !== undefined && c.ackAt !== undefined ? c.ackAt - c.synAt : undefined,
      durationMs: c.lastAt - openedAtEpoch,
      midstream: c.synAt === undefined && c.synAckAt === undefined,
      retransmissions: { client: c.c2s.analysis.retransmissions, server: c.s2c.analysis.retransmissions },
      outOfOrder: { client: c.c2s.analysis.outOfOrder, server: c.s2c.analysis.outOfOrder },
      gaps: { client: c.c2s.gaps, server: c.s2c.gaps },
      firstClose: fc ? { side: fc.side, flag: fc.flag, at: fc.at - clock.originEpochMs } : undefined,
      idleBeforeCloseMs: fc && fc.lastPayloadAt !== undefined ? fc.at - fc.lastPayloadAt : undefined,
      turns: c.turns,
      requestsEstimated: !c.http,
      clientDataAfterServerClose: c.clientDataAfterServerCloseAt !== undefined,
      reuseIdleAfterServerCloseMs:
        c.clientDataAfterServerCloseAt !== undefined && fc?.lastPayloadAt !== undefined ? c.clientDataAfterServerCloseAt - fc.lastPayloadAt : undefined,
      tls: tlsD,
      parserError: c.parserError,
    },
  });
}

/** A cleartext HTTP/1.x exchange as the model's RequestTrace (phases from wire times). */
export function requestTrace(c: TcpConnection, x: HttpExchange, previousEndAt: number | undefined, clock: RecordClock): RequestTrace {
  const first = x.index === 1 && c.synAt !== undefined;
  const connectEnd = c.ackAt ?? c.synAckAt;
  const start = first ? c.synAt! : x.startedAt;
  const end = x.endAt ?? (c.firstClose?.at ?? c.lastAt);
  const phases = first
    ? phasesFromMarks({ start, connectStart: c.synAt, connectEnd, sent: x.sentAt, firstByte: x.firstByteAt, end })
    : phasesFromMarks({ start, assigned: start, sent: x.sentAt, firstByte: x.firstByteAt, end });
  const host = c.serverAddr.includes(':') ? `[${c.serverAddr}]` : c.serverAddr;
  const trace: RequestTrace = {
    id: `${c.id}.${x.index}`,
    connectionId: c.id,
    origin: `http://${host}:${c.serverPort}`,
    method: x.method,
    path: x.path,
    source: 'pcap',
    startedAt: start - clock.originEpochMs,
    startedAtEpoch: start,
    phases,
    reused: x.index > 1,
    requestIndexOnConnection: x.index,
  };
  if (x.index > 1 && previousEndAt !== undefined) trace.idleBeforeMs = Math.max(0, x.startedAt - previousEndAt);
  if (x.status !== undefined) trace.status = x.status;
  if (x.httpVersion !== undefined) trace.httpVersion = x.httpVersion;
  if (x.responseConnection !== undefined || x.responseKeepAlive !== undefined) {
    trace.responseHeaders = { connection: x.responseConnection, keepAlive: x.responseKeepAlive };
  }
  if (x.firstByteAt === undefined && c.firstClose) {
    const reset = c.firstClose.flag === 'RST';
    trace.error = {
      code: reset ? 'ECONNRESET' : 'UND_ERR_SOCKET',
      message: `the ${c.firstClose.side} ${reset ? 'reset' : 'closed'} the connection before a response`,
      layer: 'tcp',
      onReusedSocket: x.index > 1,
    };
  }
  return trace;
}
