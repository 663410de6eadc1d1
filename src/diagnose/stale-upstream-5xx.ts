import { finding, type Rule } from './engine.js';
import { idleGapsBefore } from './idle-gaps.js';
import { GATEWAY_STATUSES, countRange, formatStatuses, responseCounts } from './responses.js';

/** Fewest 502/503/504 after idle gaps that make a pattern (one is an accident). */
const MIN_GATEWAY_ERRORS = 2;
/** The 5xx must follow real idle time: no proxy drops upstream connections idle for less. */
const MIN_IDLE_GAP_MS = 250;
/** Requests after short gaps needed before their 5xx rate is compared with the long gaps'. */
const MIN_SHORT_GAP_REQUESTS = 5;
/** Margin above the proxy's idle timeout for the suggested backend keep-alive. */
const MARGIN_MS = 5_000;
/** The usual proxy idle timeout when none is known: AWS ALB and nginx's upstream keepalive_timeout. */
const COMMON_PROXY_IDLE_MS = 60_000;

const median = (xs: readonly number[]): number => xs[Math.floor((xs.length - 1) / 2)]!;

/**
 * From the client side: 502/503/504 answers that come only after the origin sat idle, while requests
 * after short gaps succeed, are a proxy (nginx, a load balancer) reusing an upstream keep-alive
 * connection its backend had already closed. The proxy cannot retry a non-idempotent request on it,
 * so the client gets the proxy's 5xx; the backend never saw the request.
 */
export const staleUpstream5xx: Rule = {
  id: 'stale-upstream-5xx',
  evaluate(ctx) {
    const { requests, facts } = ctx.session;
    const gaps = idleGapsBefore(requests);
    const bad: number[] = [];
    const ok: number[] = [];
    for (const [r, gap] of gaps) {
      if (r.status === undefined) continue;
      if (GATEWAY_STATUSES.has(r.status)) bad.push(gap);
      else if (r.status < 500) ok.push(gap);
    }
    // every answer a 5xx is a backend that is down, not a race it sometimes loses
    if (bad.length < MIN_GATEWAY_ERRORS || ok.length === 0) return undefined;
    bad.sort((a, b) => a - b);
    ok.sort((a, b) => a - b);
    // the shortest idle gap that still led to a 5xx (10th percentile: one stray 5xx does not hide the pattern)
    const floor = bad[Math.floor((bad.length - 1) * 0.1)]!;
    if (floor < MIN_IDLE_GAP_MS) return undefined;
    const shortLimit = floor / 2;
    const shortBad = bad.filter((g) => g < shortLimit).length;
    const shortOk = ok.filter((g) => g < shortLimit).length;
    const longBad = bad.length - shortBad;
    const longOk = ok.length - shortOk;
    // when there are enough requests after short gaps to compare, their 5xx rate must be far lower
    const shortTotal = shortBad + shortOk;
    if (shortTotal >= MIN_SHORT_GAP_REQUESTS && shortBad / shortTotal >= (0.5 * longBad) / (longBad + longOk)) return undefined;
    const counts = responseCounts(ctx.session);
    const lb = facts.server?.lbIdleTimeoutMs;
    const keepAlive = (lb ?? COMMON_PROXY_IDLE_MS) + MARGIN_MS;
    const headers = keepAlive + 1_000;
    const backendIdle = facts.measuredIdleTimeoutMs ?? facts.server?.keepAliveTimeoutMs;
    return finding('stale-upstream-5xx', {
      evidence: {
        gatewayErrors: countRange(counts, 502, 504),
        statuses: formatStatuses(counts, 502, 504),
        responses: counts.total,
        gatewayErrorsAfterIdle: longBad,
        idleBefore5xxMinMs: Math.round(bad[0]!),
        idleBefore5xxMedianMs: Math.round(median(bad)),
        idleBeforeSuccessMedianMs: Math.round(median(ok)),
        successes: ok.length,
        shortGapMs: Math.round(shortLimit),
        successesAfterShortGaps: shortOk,
        gatewayErrorsAfterShortGaps: shortBad,
        proxyIdleTimeoutMs: lb ?? null,
        backendIdleTimeoutMs: backendIdle ?? null,
      },
      fix: {
        summary:
          `A proxy in front of the server answered ${formatStatuses(counts, 502, 504)} after the origin sat idle (from ${Math.round(bad[0]!)} ms)` +
          (shortOk > 0 ? `, while ${shortOk} requests after gaps under ${Math.round(shortLimit)} ms succeeded` : ', never after a short gap') +
          ': it most likely reused an upstream keep-alive connection the backend had already closed. ' +
          'The backend must keep idle connections longer than the proxy does (backend keep-alive above the proxy\'s upstream idle timeout), ' +
          'with headersTimeout above keepAliveTimeout. Measure the backend\'s real idle timeout: connscope check-server --url <backend url> --lb-idle-timeout <proxy ms>.',
        server:
          `Node backend: server.keepAliveTimeout = ${keepAlive}; server.headersTimeout = ${headers}; (requestTimeout 0 or ≥ headersTimeout). ` +
          `nginx in front: keep the upstream block's keepalive_timeout below the backend's, e.g. upstream backend { server …; keepalive 16; keepalive_timeout ${Math.floor((keepAlive - MARGIN_MS * 2) / 1000)}s; } ` +
          `(with proxy_http_version 1.1 and proxy_set_header Connection ""). AWS ALB: idle timeout (attribute idle_timeout.timeout_seconds, default 60) below the backend's keep-alive. ` +
          `Go backend: http.Server{IdleTimeout: ${Math.ceil(keepAlive / 1000)} * time.Second}.`,
        // client-side mitigation only: a lost POST cannot be retried safely, the backend fix is the cure
        undici: 'meanwhile, idempotent requests can be retried on 502/503/504: dispatcher.compose(interceptors.retry()) (its default statusCodes include them; POST is not retried)',
        fetch: 'fetch(url, { dispatcher: new Agent().compose(interceptors.retry()) }) for idempotent requests; POST stays unretried',
        nodeHttp: 'retry idempotent requests (GET, PUT, DELETE) once on 502/503/504 from the proxy; never blindly retry POST',
      },
    });
  },
};
