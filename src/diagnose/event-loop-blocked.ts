import { finding, type Rule } from './engine.js';

/** The client's own event loop stalled while requests were in flight: their wait includes the stall, not the server. */
export const eventLoopBlocked: Rule = {
  id: 'event-loop-blocked',
  evaluate({ session, thresholds }) {
    const limit = thresholds.eventLoopBlockedMs;
    const hit = session.requests.filter((r) => r.eventLoopBlocked === true || (r.eventLoopDelayMs ?? 0) > limit);
    const maxDelay = session.facts.eventLoop?.maxDelayMs;
    if (hit.length === 0 && !(maxDelay !== undefined && maxDelay > limit && session.requests.length === 0)) return undefined;
    const worst = Math.max(0, ...hit.map((r) => r.eventLoopDelayMs ?? 0));
    return finding('event-loop-blocked', {
      evidence: {
        thresholdMs: limit,
        inflatedRequests: hit.length,
        requests: session.requests.length,
        worstStallMs: Math.round(Math.max(worst, maxDelay ?? 0) * 10) / 10,
      },
      fix: {
        summary: 'Synchronous work on the event loop delayed the handling of responses; their latency is the stall, not the network or the server.',
        nodeHttp: 'move CPU work off the loop (worker_threads, piscina) or break it up; monitor with perf_hooks.monitorEventLoopDelay()',
        undici: 'same: the dispatcher runs on the loop; headersTimeout/bodyTimeout also fire late when it stalls',
        fetch: 'same as undici',
      },
    });
  },
};
