import type { Rule } from './engine.js';
import { slowDns } from './slow-dns.js';
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

/** Every rule, in report order. Add one line per new rule file. */
export const RULES: readonly Rule[] = [
  slowDns,
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
];
