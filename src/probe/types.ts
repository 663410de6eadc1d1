import type { ConnectionRecord } from '../model/connection.js';
import type { Facts } from '../model/facts.js';
import type { Finding } from '../model/finding.js';
import type { RequestTrace } from '../model/request.js';
import type { Thresholds } from '../diagnose/thresholds.js';
import type { CertificateFacts } from './certificate.js';
import type { Tls12Resumption, Tls13Resumption } from './resumption-kinds.js';
import type { VersionSupport } from './tls-versions.js';

export type TlsVersionName = 'TLSv1.2' | 'TLSv1.3';

export interface ProbeOptions {
  /** Sequential requests over one keep-alive pool (default 3). */
  requests?: number;
  method?: string;
  /** Extra request headers; secret values never reach the output. */
  headers?: Record<string, string>;
  /** Request body. */
  data?: string;
  /** Protocol of the request series (default http1.1). */
  protocol?: 'http1.1' | 'h2';
  tlsMin?: TlsVersionName;
  tlsMax?: TlsVersionName;
  /** ALPN protocols to offer in the ALPN check (default ['h2', 'http/1.1']); also offered by the series when given. */
  alpn?: string[];
  /** Trust anchors (PEM); they replace the system store, like curl --cacert. */
  ca?: string | string[];
  /** Turns certificate verification off. Only on explicit request. */
  insecure?: boolean;
  /** curl-style `host:port:addr` overrides of name resolution. */
  resolve?: string[];
  /** Deadline of one TCP+TLS connection establishment (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Overall deadline of the probe, idle-timeout measurement excluded (default 30 000 ms). */
  timeoutMs?: number;
  /** Measure the server's real idle timeout, holding an idle connection up to this many ms. */
  idleTimeoutMaxMs?: number;
  /** Count requests per connection until the server closes it, up to this many requests. */
  maxRequests?: number;
  /** TLS 1.2/1.3 × h2/http1.1 handshake matrix. */
  matrix?: boolean;
  /** Client idle timeout to check against the server's (default 4000, undici's keepAliveTimeout). */
  clientIdleTimeoutMs?: number;
  thresholds?: Partial<Thresholds>;
  /**
   * Sample the CPU during the probe so event-loop-blocked names the functions that held the loop
   * (default true; docs/tracer.md gives its cost).
   */
  profile?: boolean;
  /** Aborts the probe (Ctrl-C); checks stop and the partial result is returned. */
  signal?: AbortSignal;
  /** Progress messages (one short line per step). */
  onProgress?: (step: string) => void;
}

export interface ResumptionResult {
  /** The server resumed the session offered on a new connection; null when not checked. */
  supported: boolean | null;
  resumed: boolean | null;
  /** A warm full handshake (not the process's first) and the resumption of its session, at the series' version. */
  fullHandshakeMs: number | null;
  resumedHandshakeMs: number | null;
  /** How that resumed handshake resumed: TLS 1.3 PSK, TLS 1.2 ticket or session id. */
  mechanism: 'psk' | 'ticket' | 'session-id' | null;
  /** ticket_lifetime_hint of the server's tickets (seconds). */
  ticketLifetimeSec: number | null;
  /** TLS 1.3 tickets were issued and a session offered back with one was not resumed. */
  ticketsNotHonoured: boolean | null;
  /** null when the server does not accept TLS 1.2 (or it was not checked). */
  tls12: Tls12Resumption | null;
  tls13: Tls13Resumption | null;
}

export interface ProbeCertificate extends CertificateFacts {
  /** The chain verified against the trust store in use (--ca or the system store). */
  verified: boolean | null;
  /** Why not (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...). */
  verifyError: string | null;
}

export interface ProbeTls {
  version: string | null;
  cipher: string | null;
  group: string | null;
  alpn: string | null;
  chain: { depth: number; bytes: number } | null;
  leafValidTo: string | null;
  ocspStapled: boolean | null;
  resumption: ResumptionResult;
  /** TLS 1.0-1.3, each offered alone: accepted, refused, or null (could not tell). */
  versions: VersionSupport | null;
  certificate: ProbeCertificate | null;
}

export interface ProbeKeepAlive {
  connectionHeader: string | null;
  keepAliveHeader: string | null;
  hintedIdleTimeoutMs: number | null;
  serverKeptConnection: boolean | null;
  measuredIdleTimeoutMs: number | null;
  /** An idle connection silently stopped answering (no FIN, no RST) within this many ms. */
  idleBlackholeAfterMs: number | null;
  /**
   * --idle-timeout: the connection was held idle for the whole MAX and still answered afterwards, so the
   * server's idle timeout is at least this many ms (it was not reached). Null when not checked or not so.
   */
  idleTimeoutAtLeastMs: number | null;
  maxRequestsPerConnection: number | null;
  /** Requests sent by --max-requests without the server closing the connection (the limit is above this); null when not checked. */
  maxRequestsWithoutClose: number | null;
  clientIdleTimeoutMs: number;
}

export interface ProbeHttp2 {
  /** The server selected h2 when offered; null when not checked (plain http). */
  supported: boolean | null;
  used: boolean;
  maxConcurrentStreams: number | null;
}

export interface HandshakeOutcome {
  tls: TlsVersionName;
  alpn: 'h2' | 'http/1.1';
  ok: boolean;
  negotiatedVersion: string | null;
  negotiatedAlpn: string | null;
  handshakeMs: number | null;
  /** Why the combination does not work (alert, no ALPN selected, ...). */
  reason: string | null;
}

export interface ProbeFailure {
  code: string;
  message: string;
  layer: string | null;
  hint: string | null;
}

/** What a probe of one URL found. Absent measurements are null, never guessed. */
export interface ProbeResult {
  /** The URL with credentials removed. */
  url: string;
  remoteAddress: string | null;
  startedAt: string;
  durationMs: number;
  requests: RequestTrace[];
  /** Why each request was made: 'series' or 'resumption' (the new connection offering the cached session). */
  requestKinds: ('series' | 'resumption')[];
  connections: ConnectionRecord[];
  tls: ProbeTls | null;
  keepAlive: ProbeKeepAlive;
  http2: ProbeHttp2;
  matrix: HandshakeOutcome[] | null;
  facts: Facts;
  findings: Finding[];
  /** Set when the request series could not complete; the checks that explain it still ran. */
  error: ProbeFailure | null;
  /** Certificate verification was turned off by --insecure. */
  insecure: boolean;
}
