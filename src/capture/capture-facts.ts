import { resumptionEarlyLate } from '../model/accumulator.js';
import type { Facts } from '../model/facts.js';
import type { SummaryBuilder } from './summary.js';

const median = (d: { p50: number } | undefined): number | undefined => d?.p50;

/** What the whole capture says about client and server behaviour, in the shared Facts the rules read. */
export function captureFacts(b: SummaryBuilder, summary: ReturnType<SummaryBuilder['build']>, durationMs: number): Facts {
  const facts: Facts = { durationMs };
  const t = summary.tls;
  if (t.connections > 0) {
    facts.tls = {
      resumptionAttempted: t.resumptionAttempted > 0,
      fullHandshakeMs: median(t.fullHandshakeMs),
      resumedHandshakeMs: median(t.resumedHandshakeMs),
    };
    // resumption is "supported" once the server accepted one; unknown when nobody tried
    if (t.resumed > 0) facts.tls.resumptionSupported = true;
    else if (t.resumptionAttempted > 0) facts.tls.resumptionSupported = false;
    if (b.alpnOffered.size > 0) facts.tls.alpnOffered = [...b.alpnOffered];
    // thirds of the handshakes after the first one (nothing to resume before it), as resumption-lost reads them
    const res = resumptionEarlyLate(b.resumedSeries);
    if (res) {
      facts.tls.resumptionRateEarly = res.early;
      facts.tls.resumptionRateLate = res.late;
    }
  }
  const serverIdle = b.idleBeforeClose.server.min();
  if (serverIdle !== undefined) facts.measuredIdleTimeoutMs = serverIdle;
  const clientIdle = b.idleBeforeClose.client.min();
  // a client that closes idle connections itself shows its timeout; one that reused a connection the
  // server had already closed kept it idle at least that long (a lower bound, enough to show the race)
  const reusedAfterClose = b.reuseAfterServerClose.max();
  if (clientIdle !== undefined) facts.clientIdleTimeoutMs = clientIdle;
  else if (reusedAfterClose !== undefined) facts.clientIdleTimeoutMs = reusedAfterClose;
  if (b.keepAliveHintMs !== undefined) facts.hintedIdleTimeoutMs = b.keepAliveHintMs;
  const withRequests = summary.byApp.http + summary.byApp.tls;
  if (b.reusedConnections > 0) {
    facts.keepAliveEnabled = true;
    facts.serverKeptConnection = true;
  } else if (withRequests >= 2) {
    facts.keepAliveEnabled = false;
  }
  if (serverIdle !== undefined) facts.serverKeptConnection = true;
  // the server closing every connection after the same number (> 1) of requests is a max-requests setting
  const atClose = [...b.requestsAtServerClose.entries()];
  if (atClose.length === 1 && atClose[0]![0] > 1 && atClose[0]![1] >= 2) facts.maxRequestsPerConnection = atClose[0]![0];
  else if (atClose.length === 1 && atClose[0]![0] === 1 && atClose[0]![1] >= 1) facts.serverKeptConnection ??= false;
  return facts;
}
