import type { Finding } from '../model/finding.js';
import type { RequestTrace } from '../model/request.js';
import type { ProbeState } from './probe.js';
import type { ProbeFailure, ProbeResult, ProbeTls } from './types.js';

/** Assembles the public result; every measurement that was not made is null. */
export function buildResult(state: ProbeState, requests: RequestTrace[], findings: Finding[], error: ProbeFailure | null): ProbeResult {
  const f = state.facts;
  const connections = [...state.connections.values()];
  const series = state.exchanges.filter((e) => e.kind === 'series').map((e) => e.exchange.trace);
  const first = series.find((r) => r.status !== undefined);
  const firstConn = connections.find((c) => c.tls && !c.tls.resumed) ?? connections[0];
  const remoteAddress = connections.find((c) => c.remoteAddress)?.remoteAddress ?? null;
  let tls: ProbeTls | null = null;
  if (state.target.secure) {
    const t = firstConn?.tls;
    const kinds = state.tlsInspection?.resumption;
    tls = {
      version: t?.version ?? null,
      cipher: t?.cipher ?? null,
      group: t?.group ?? null,
      alpn: state.alpn?.selected ?? (typeof t?.alpn === 'string' ? t.alpn : null),
      chain: t?.chain ? { ...t.chain } : null,
      leafValidTo: t?.leafValidTo !== undefined ? new Date(t.leafValidTo).toISOString() : null,
      ocspStapled: t?.ocspStapled ?? null,
      resumption: {
        supported: f.tls?.resumptionSupported ?? null,
        resumed: f.tls?.resumptionAttempted ? (f.tls.resumptionSupported ?? null) : null,
        fullHandshakeMs: f.tls?.fullHandshakeMs ?? null,
        resumedHandshakeMs: f.tls?.resumedHandshakeMs ?? null,
        mechanism: kinds?.pair?.mechanism ?? null,
        ticketLifetimeSec: f.tls?.ticketLifetimeSec ?? null,
        ticketsNotHonoured: f.tls?.ticketsNotHonoured ?? null,
        tls12: kinds?.tls12 ?? null,
        tls13: kinds?.tls13 ?? null,
      },
      versions: state.tlsInspection ? { ...state.tlsInspection.versions } : null,
      certificate: state.tlsInspection?.certificate
        ? { ...state.tlsInspection.certificate, verified: state.tlsInspection.verified, verifyError: state.tlsInspection.verifyError }
        : null,
    };
  }
  return {
    url: state.target.safeUrl,
    remoteAddress,
    startedAt: new Date(state.startedAtEpoch).toISOString(),
    durationMs: f.durationMs ?? 0,
    requests,
    requestKinds: state.exchanges.map((e) => e.kind),
    connections,
    tls,
    keepAlive: {
      connectionHeader: first?.responseHeaders?.connection ?? null,
      keepAliveHeader: first?.responseHeaders?.keepAlive ?? null,
      hintedIdleTimeoutMs: f.hintedIdleTimeoutMs ?? null,
      serverKeptConnection: f.serverKeptConnection ?? null,
      measuredIdleTimeoutMs: f.measuredIdleTimeoutMs ?? null,
      idleBlackholeAfterMs: f.idleBlackholeAfterMs ?? null,
      idleTimeoutAtLeastMs: state.idle?.heldOpenMs ?? null,
      maxRequestsPerConnection: f.maxRequestsPerConnection ?? null,
      maxRequestsWithoutClose: state.maxRequests && state.maxRequests.perConnection === null ? state.maxRequests.sent : null,
      clientIdleTimeoutMs: state.options.clientIdleTimeoutMs,
    },
    http2: {
      supported: f.http2?.supported ?? null,
      used: f.http2?.used ?? false,
      maxConcurrentStreams: f.http2?.maxConcurrentStreams ?? null,
    },
    matrix: state.matrix ?? null,
    facts: f,
    findings,
    error,
    insecure: Boolean(state.options.insecure),
  };
}
