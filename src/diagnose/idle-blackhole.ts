import type { RequestTrace } from '../model/request.js';
import { finding, type Rule } from './engine.js';

/** Errors that mean "no answer in time", as opposed to a reset or a close. */
export const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'CONNSCOPE_ERR_TIMEOUT', 'TimeoutError',
]);

/** Requests that timed out on a reused connection after sitting idle, and the idle times that still worked. */
export function idleTimeouts(requests: readonly RequestTrace[]): { failed: RequestTrace[]; minFailedIdleMs?: number; maxOkIdleMs?: number } {
  const failed: RequestTrace[] = [];
  let minFailed: number | undefined;
  let maxOk: number | undefined;
  for (const r of requests) {
    if (r.source === 'server' || !r.reused) continue;
    if (r.error && TIMEOUT_CODES.has(r.error.code)) {
      failed.push(r);
      if (r.idleBeforeMs !== undefined) minFailed = Math.min(minFailed ?? Infinity, r.idleBeforeMs);
    } else if (!r.error && r.idleBeforeMs !== undefined) {
      maxOk = Math.max(maxOk ?? 0, r.idleBeforeMs);
    }
  }
  return { failed, minFailedIdleMs: minFailed, maxOkIdleMs: maxOk };
}

/**
 * Something on the path (NAT gateway, firewall, load balancer) forgets idle flows without a FIN or
 * RST: the next request on the connection goes nowhere and waits for the client's own deadline.
 * Evidence is a timeout on a reused connection after a longer idle than any that worked, or a
 * probe's direct observation (facts.idleBlackholeAfterMs) against a client that idles longer.
 */
export const idleBlackhole: Rule = {
  id: 'idle-blackhole',
  evaluate(ctx) {
    const { facts } = ctx.session;
    const seen = idleTimeouts(ctx.session.requests);
    // a timeout after an idle no longer than one that worked is a slow server, not a dropped flow
    const idleExplains = seen.minFailedIdleMs === undefined || seen.maxOkIdleMs === undefined || seen.minFailedIdleMs > seen.maxOkIdleMs;
    const measured = seen.failed.length > 0 && idleExplains;
    const probed = facts.idleBlackholeAfterMs !== undefined && (facts.clientIdleTimeoutMs === undefined || facts.clientIdleTimeoutMs >= facts.idleBlackholeAfterMs);
    if (!measured && !probed) return undefined;
    // the drop lies between the longest idle that worked and the shortest that failed: stay below the first
    const base = facts.idleBlackholeAfterMs ?? seen.maxOkIdleMs ?? (seen.minFailedIdleMs !== undefined ? seen.minFailedIdleMs / 2 : undefined);
    const safeMs = base !== undefined ? Math.max(100, Math.floor(base * 0.8)) : undefined;
    const value = safeMs !== undefined ? String(safeMs) : '<below the drop>';
    return finding('idle-blackhole', {
      evidence: {
        timedOutAfterIdle: seen.failed.length,
        minIdleBeforeTimeoutMs: round(seen.minFailedIdleMs),
        maxIdleThatWorkedMs: round(seen.maxOkIdleMs),
        idleBlackholeAfterMs: facts.idleBlackholeAfterMs ?? null,
        clientIdleTimeoutMs: facts.clientIdleTimeoutMs ?? null,
      },
      fix: {
        summary:
          'Idle connections are silently dropped on the path: close them before the drop ' +
          `(client idle timeout ${value} ms) or send TCP keepalive probes more often than the drop; retry idempotent requests that time out on a reused socket.`,
        nodeHttp: `new http.Agent({ keepAlive: true, timeout: ${value}, keepAliveMsecs: ${value} }) (keepAliveMsecs is the TCP keepalive delay)`,
        undici: `new Agent({ keepAliveTimeout: ${value}, connect: { keepAlive: true, keepAliveInitialDelay: ${value} } })`,
        fetch: `fetch(url, { dispatcher: new Agent({ keepAliveTimeout: ${value} }) }) with one shared dispatcher`,
        server: 'a server-side keepAliveTimeout below the drop makes the server close first, so clients see a FIN instead of silence',
      },
    });
  },
};

function round(n: number | undefined): number | null {
  return n === undefined ? null : Math.round(n);
}
