import type { Rule } from './engine.js';
import { slowDns } from './slow-dns.js';
import { dnsThreadpoolSaturated } from './dns-threadpool-saturated.js';
import { slowConnect } from './slow-connect.js';
import { slowTls } from './slow-tls.js';
import { serverKeepaliveBelowLb } from './server-keepalive-below-lb.js';
import { serverHeadersTimeout } from './server-headers-timeout.js';
import { serverRequestTimeoutMissing } from './server-request-timeout-missing.js';
import { poolPerRequest } from './pool-per-request.js';
import { unconsumedBody } from './unconsumed-body.js';
import { socketsGrowing } from './sockets-growing.js';
import { idleBlackhole } from './idle-blackhole.js';
import { tcpKeepaliveOff } from './tcp-keepalive-off.js';
import { pipeliningLostRequests } from './pipelining-lost-requests.js';

import { serverClosesConnection } from './server-closes-connection.js';
import { serverMaxRequests } from './server-max-requests.js';
import { idleTimeoutRace } from './idle-timeout-race.js';
import { noSessionResumption } from './no-session-resumption.js';
import { longCertChain } from './long-cert-chain.js';
import { alpnNoOverlap } from './alpn-no-overlap.js';
import { tlsVersionMismatch } from './tls-version-mismatch.js';
import { h2AvailableNotUsed } from './h2-available-not-used.js';
import { noOcspStapling } from './no-ocsp-stapling.js';
import { eventLoopBlocked } from './event-loop-blocked.js';
import { poolExhausted } from './pool-exhausted.js';
import { keepaliveDisabled } from './keepalive-disabled.js';
import { staleSocketReset } from './stale-socket-reset.js';
import { resumptionLost } from './resumption-lost.js';
import { h2StreamLimit } from './h2-stream-limit.js';
import { h2Goaway } from './h2-goaway.js';
import { clientSessionCacheOff } from './client-session-cache-off.js';
import { staleUpstream5xx } from './stale-upstream-5xx.js';
import { serverErrors } from './server-errors.js';
import { noRequestCompleted } from './no-request-completed.js';
import { h2StreamsReset } from './h2-streams-reset.js';
import { legacyTlsAccepted } from './legacy-tls-accepted.js';
import { certExpiresSoon } from './cert-expires-soon.js';
import { longTicketLifetime } from './long-ticket-lifetime.js';

/** Every rule, in report order. Add one line per new rule file. */
export const RULES: readonly Rule[] = [
  noRequestCompleted,
  slowDns,
  dnsThreadpoolSaturated,
  slowConnect,
  slowTls,
  serverKeepaliveBelowLb,
  serverHeadersTimeout,
  serverRequestTimeoutMissing,
  poolPerRequest,
  unconsumedBody,
  socketsGrowing,
  idleBlackhole,
  tcpKeepaliveOff,
  pipeliningLostRequests,
  serverClosesConnection,
  serverMaxRequests,
  idleTimeoutRace,
  noSessionResumption,
  longCertChain,
  alpnNoOverlap,
  tlsVersionMismatch,
  h2AvailableNotUsed,
  noOcspStapling,
  legacyTlsAccepted,
  certExpiresSoon,
  longTicketLifetime,
  eventLoopBlocked,
  poolExhausted,
  keepaliveDisabled,
  staleSocketReset,
  staleUpstream5xx,
  serverErrors,
  resumptionLost,
  clientSessionCacheOff,
  h2StreamLimit,
  h2Goaway,
  h2StreamsReset,
];
