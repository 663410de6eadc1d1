import { finding, type Rule } from './engine.js';
import { countRange, formatStatuses, responseCounts } from './responses.js';

/**
 * 5xx answers, whatever their cause: a run where the server (or a proxy in front of it) answers with
 * errors must say so, even when no rule explains them. Requests that failed without a status are
 * errors of the connection, reported by their own rules.
 */
export const serverErrors: Rule = {
  id: 'server-errors',
  evaluate(ctx) {
    const counts = responseCounts(ctx.session);
    const errors = countRange(counts, 500, 599);
    if (errors === 0 || counts.total === 0) return undefined;
    const share = errors / counts.total;
    if (share < ctx.thresholds.serverErrorShare) return undefined;
    const gateway = countRange(counts, 502, 504);
    return finding('server-errors', {
      evidence: {
        serverErrors: errors,
        responses: counts.total,
        share: Math.round(share * 1000) / 1000,
        statuses: formatStatuses(counts, 500, 599),
        thresholdShare: ctx.thresholds.serverErrorShare,
        countedOver: counts.exact ? 'every response' : 'recorded requests',
      },
      fix: {
        summary:
          `${errors} of ${counts.total} responses were 5xx (${formatStatuses(counts, 500, 599)}). Look at the server's logs for these requests` +
          (gateway > 0
            ? '; 502/503/504 usually come from a proxy or load balancer in front whose upstream failed: check its error log, and if they follow idle periods see stale-upstream-5xx.'
            : '.'),
        server: 'nginx: error_log (e.g. "upstream prematurely closed connection", "connect() failed"); AWS ALB: access logs (elb_status_code vs target_status_code); Node: the handler\'s errors.',
      },
    });
  },
};
