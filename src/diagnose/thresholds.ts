/** Rule thresholds; every one can be overridden by the caller (CLI flags or library options). */
export interface Thresholds {
  slowDnsMs: number;
  slowConnectMs: number;
  slowTlsMs: number;
  longChainDepth: number;
  longChainBytes: number;
  /** Share of request time spent blocked in the pool queue above which pool-exhausted fires. */
  poolBlockedShare: number;
  /** Event-loop delay overlapping a request's wait above which the request counts as inflated. */
  eventLoopBlockedMs: number;
  /** Share of responses that are 5xx from which server-errors fires (0..1). */
  serverErrorShare: number;
  /** cert-expires-soon fires when the certificate expires within this many days (an error once expired). */
  certExpiryDays: number;
  /** long-ticket-lifetime fires above this session-ticket lifetime hint (seconds). */
  longTicketLifetimeSec: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  slowDnsMs: 100,
  slowConnectMs: 200,
  slowTlsMs: 300,
  longChainDepth: 3,
  longChainBytes: 8 * 1024,
  poolBlockedShare: 0.2,
  eventLoopBlockedMs: 50,
  serverErrorShare: 0.01,
  certExpiryDays: 30,
  longTicketLifetimeSec: 86_400,
};
