/**
 * Observations a source makes beyond connection and request records (what a probe learned about
 * the server, how a client pool was configured, ...). Rules read them; any field may be absent.
 * Sources that learn something new add an optional field here. Only observations: figures derived
 * from records (reuse rate, blocked share, ...) come from the stats (model/accumulator.ts).
 */
export interface Facts {
  /** Client-side idle timeout of the pool in use (undici keepAliveTimeout, Agent timeout). */
  clientIdleTimeoutMs?: number;
  /** Server's `Keep-Alive: timeout=N` hint. */
  hintedIdleTimeoutMs?: number;
  /** Idle time after which the server actually closed an idle connection. */
  measuredIdleTimeoutMs?: number;
  /** An idle connection stopped answering without being closed (NAT / firewall drop). */
  idleBlackholeAfterMs?: number;
  /** Requests a connection survived before the server closed it. */
  maxRequestsPerConnection?: number;
  /** The server kept the connection open after a response. */
  serverKeptConnection?: boolean;
  keepAliveEnabled?: boolean;
  /** Client pool size (connections / maxSockets). */
  poolSize?: number;
  concurrency?: number;
  /** TCP keepalive on client sockets. */
  tcpKeepAlive?: boolean;
  /** Idle time before the first TCP keepalive probe (undici 60000, http.Agent keepAliveMsecs 1000). */
  tcpKeepAliveInitialDelayMs?: number;
  /** HTTP/1.1 pipelining depth of the client (undici `pipelining`; 1 = none). */
  pipelining?: number;
  tls?: {
    resumptionAttempted?: boolean;
    resumptionSupported?: boolean;
    fullHandshakeMs?: number;
    resumedHandshakeMs?: number;
    /** Resumption rate in the first and last part of a run. */
    resumptionRateEarly?: number;
    resumptionRateLate?: number;
    /** Client asked for these versions and the handshake failed. */
    versionFailure?: {
      min?: string;
      max?: string;
      message: string;
      /** Version the server negotiated when the client did not limit versions (what it does support). */
      serverVersion?: string;
    };
    alpnOffered?: string[];
    alpnFailure?: {
      offered: string[];
      message: string;
      /** What the server selected when offered h2 and http/1.1 (what it does speak). */
      serverSelected?: string;
    };
    clientSessionCacheSize?: number;
    /** TLS versions the server accepted (true) or refused (false) when offered alone; null: could not tell. */
    versions?: Record<string, boolean | null>;
    /** ticket_lifetime_hint of the server's session tickets (seconds), at the version in use. */
    ticketLifetimeSec?: number;
    /** A TLS 1.3 server sent session tickets and did not resume a session offered back with one. */
    ticketsNotHonoured?: boolean;
    /** The server's leaf certificate. */
    certificate?: {
      subject: string;
      issuer: string;
      /** Expiry (epoch ms). */
      validTo: number;
      /** The chain verified against the client's trust store. */
      verified?: boolean;
      verifyError?: string;
    };
  };
  http2?: {
    supported?: boolean;
    used?: boolean;
    maxConcurrentStreams?: number;
    goaways?: number;
    streamsQueued?: number;
    /**
     * Time (ms, summed over streams) streams waited for a stream slot, as the source's own client
     * measured it, when its records cannot show that wait (a traced node:http2 stream is timed from its
     * creation, so the wait lands in `wait`). The stats add it to the blocked share; sources whose
     * records carry it as `blocked` (bench's h2 engine) leave this out.
     */
    queuedMs?: number;
    /** Streams started (bench's h2 engine). */
    streams?: number;
    /** Streams the server reset (RST_STREAM) before a complete response, and by code (NGHTTP2_*). */
    streamsReset?: number;
    resetCodes?: Record<string, number>;
    /** Streams refused unprocessed and sent again: by RST_STREAM REFUSED_STREAM or above a GOAWAY's last-stream-id. */
    streamsRetried?: { refused: number; goaway: number };
  };
  eventLoop?: {
    maxDelayMs: number;
    p99DelayMs?: number;
    /** Functions that held the loop during stalls, heaviest first, from CPU samples (trace/stall-profile.ts). */
    blockedBy?: BlockingFunction[];
  };
  server?: {
    keepAliveTimeoutMs?: number;
    headersTimeoutMs?: number;
    requestTimeoutMs?: number;
    /** Idle timeout of the load balancer or proxy in front of the server. */
    lbIdleTimeoutMs?: number;
  };
  /** Per-origin counts of pools/agents/dispatchers created during the observation. */
  poolsCreated?: Record<string, number>;
  /** Responses whose bodies were never consumed while holding a socket. */
  unconsumedBodies?: number;
  /** unconsumedBodies per origin (scheme://host:port). */
  unconsumedBodiesByOrigin?: Record<string, number>;
  /**
   * Open sockets and in-flight requests per origin, sampled over time (oldest first, bounded):
   * sockets rising while in-flight requests stay flat is a socket leak.
   */
  socketSamples?: Record<string, Array<{ atMs: number; open: number; inflight: number }>>;
  /**
   * Outcome of a load run (bench): responses received, requests failed with an error, requests still
   * in flight when it stopped and the step each was in (blocked, connecting, sending, waiting, receiving).
   */
  load?: { succeeded: number; failed: number; abandoned: number; stuck: Record<string, number>; topError?: string; durationMs: number };
  /**
   * Responses per status code over the whole observation, when the source counted every response
   * (bench; its session keeps only a bounded sample of requests). Rules fall back to the requests.
   */
  statusCounts?: Record<string, number>;
  /** Duration of the observation window (ms). */
  durationMs?: number;
}

/** A function CPU samples caught on the loop while it stalled. */
export interface BlockingFunction {
  function: string;
  /** Script path or URL (file:// stripped); '' for native code. */
  file: string;
  /** 1-based line of the function's definition. */
  line: number;
  /** 1-based column of the function's definition. */
  column: number;
  /** Sampled time inside stalls attributed to it (ms). */
  ms: number;
}
