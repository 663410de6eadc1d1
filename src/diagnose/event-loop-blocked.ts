import { PHASE_NAMES } from '../model/phases.js';
import { finding, type Rule } from './engine.js';

/**
 * The client's own event loop stalled while requests were in flight: their phases include the stall,
 * not the network or the server. The rules that blame DNS, connect, TLS or the pool judge phases on
 * their own time (stall taken off), so a slowness the stall explains is reported here only.
 */
export const eventLoopBlocked: Rule = {
  id: 'event-loop-blocked',
  evaluate({ session, thresholds }) {
    const limit = thresholds.eventLoopBlockedMs;
    const hit = session.requests.filter((r) => r.eventLoopBlocked === true || (r.eventLoopDelayMs ?? 0) > limit);
    const maxDelay = session.facts.eventLoop?.maxDelayMs;
    // connections whose establishment a stall stretched (sessions that keep connection records only)
    let inflatedConnections = 0;
    for (const c of session.connections.values()) {
      const st = c.establishment.stalls;
      if (st && (st.dns ?? 0) + (st.connect ?? 0) + (st.tls ?? 0) > limit) inflatedConnections++;
    }
    if (hit.length === 0 && inflatedConnections === 0 && !(maxDelay !== undefined && maxDelay > limit && session.requests.length === 0)) return undefined;
    const worst = Math.max(0, ...hit.map((r) => r.eventLoopDelayMs ?? 0));
    // which phases the stalls landed in: the ones a reader would otherwise blame
    const inflatedPhasesMs: Record<string, number> = {};
    for (const r of hit) {
      for (const p of PHASE_NAMES) {
        const s = r.stalls?.[p];
        if (s) inflatedPhasesMs[`${p}StallMs`] = Math.round(((inflatedPhasesMs[`${p}StallMs`] ?? 0) + s) * 10) / 10;
      }
    }
    const blockedBy = session.facts.eventLoop?.blockedBy;
    return finding('event-loop-blocked', {
      evidence: {
        thresholdMs: limit,
        inflatedRequests: hit.length,
        inflatedConnections,
        requests: session.requests.length,
        worstStallMs: Math.round(Math.max(worst, maxDelay ?? 0) * 10) / 10,
        // stall time per phase over the inflated requests (dnsStallMs, waitStallMs, ...)
        ...inflatedPhasesMs,
        // from CPU samples taken during the stalls (src/trace/stall-profile.ts), when profiling was on
        ...(blockedBy ? { blockedBy: blockedBy.map((b) => `${b.function} ${b.file}:${b.line} ${b.ms} ms`).join('; ') } : {}),
      },
      fix: {
        summary:
          'Synchronous work on the event loop delayed the handling of responses; their latency is the stall, not the network or the server.' +
          (blockedBy?.length ? ` It ran in ${blockedBy[0]!.function} (${blockedBy[0]!.file}:${blockedBy[0]!.line}).` : ''),
        nodeHttp: 'move CPU work off the loop (worker_threads, piscina) or break it up; monitor with perf_hooks.monitorEventLoopDelay()',
        undici: 'same: the dispatcher runs on the loop; headersTimeout/bodyTimeout also fire late when it stalls',
        fetch: 'same as undici',
      },
    });
  },
};
