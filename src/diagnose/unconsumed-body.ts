import { finding, type Rule } from './engine.js';

/**
 * Responses whose bodies are never read keep their socket taken: the pool cannot reuse it and opens
 * new connections (or queues) instead. Fed by watchLeaks() from the tracer's in-flight state.
 */
export const unconsumedBody: Rule = {
  id: 'unconsumed-body',
  evaluate(ctx) {
    const n = ctx.session.facts.unconsumedBodies ?? 0;
    if (n <= 0) return undefined;
    const byOrigin = Object.entries(ctx.session.facts.unconsumedBodiesByOrigin ?? {}).sort((a, b) => b[1] - a[1]);
    return finding('unconsumed-body', {
      evidence: {
        unconsumedBodies: n,
        origins: byOrigin.length,
        topOrigin: byOrigin[0]?.[0] ?? null,
        topOriginCount: byOrigin[0]?.[1] ?? null,
      },
      fix: {
        summary: `${n} response bodies were never read while holding their socket: always consume or discard the body.`,
        nodeHttp: "res.resume() when the body is not needed (or read it to the end); on errors call res.destroy()",
        undici: 'await body.dump() (or body.text()/json()) for every response, including error statuses',
        fetch: 'await res.body?.cancel() or read it (await res.arrayBuffer()) even when you only need the status',
      },
    });
  },
};
