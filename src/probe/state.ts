import type { ConnscopeError } from '../errors.js';
import type { ConnectionRecord } from '../model/connection.js';
import type { BlockingFunction, Facts } from '../model/facts.js';
import type { AlpnCheck } from './alpn.js';
import type { H2Client } from './h2-client.js';
import type { Exchange, Http1Client } from './http1-client.js';
import type { IdleTimeoutMeasurement } from './idle-timeout.js';
import type { MaxRequestsCount } from './max-requests.js';
import type { ResolvedOptions } from './options.js';
import type { Target } from './target.js';
import type { TlsInspection } from './tls-inspect.js';
import type { HandshakeOutcome } from './types.js';

/** Everything the steps of one probe learn; turned into a ProbeResult at the end. */
export interface ProbeState {
  target: Target;
  options: ResolvedOptions;
  startedAtEpoch: number;
  startedAt: number;
  exchanges: { exchange: Exchange; kind: 'series' | 'resumption' }[];
  client: Http1Client | H2Client;
  /** Connection records of the series and the resumption check, as the tracer recorded them. */
  connections: Map<string, ConnectionRecord>;
  alpn?: AlpnCheck;
  /** Further ALPN checks made to explain a failure (the wide h2,http/1.1 offer). */
  alpnMore: AlpnCheck[];
  http2MaxConcurrentStreams?: number;
  idle?: IdleTimeoutMeasurement;
  maxRequests?: MaxRequestsCount;
  matrix?: HandshakeOutcome[];
  /** Versions, certificate and resumption kinds from bare handshakes after the series. */
  tlsInspection?: TlsInspection;
  failure?: ConnscopeError;
  facts: Facts;
  loopMaxDelayMs?: number;
  /** Functions CPU samples caught holding the loop during its stalls. */
  blockedBy?: BlockingFunction[];
}
