import { finding, type Rule } from './engine.js';

/** What each step means when every request is stuck there, and where to look. */
const STEPS: Record<string, { short: string; what: string; server: string }> = {
  blocked: {
    short: 'waiting for a free connection or stream',
    what: 'waiting for a free connection or stream: none ever became free (an HTTP/2 server with SETTINGS_MAX_CONCURRENT_STREAMS 0 admits no stream at all)',
    server: 'allow streams (http2 maxConcurrentStreams above 0), or check what holds every connection',
  },
  connecting: {
    short: 'connecting (DNS, TCP or TLS)',
    what: 'establishing their connection: the DNS lookup, TCP connect or TLS handshake never finished',
    server: 'check that the server accepts connections and completes its TLS handshake',
  },
  sending: {
    short: 'sending the request',
    what: 'writing the request: the server stopped reading it',
    server: 'check the server reads request bodies (or its receive window)',
  },
  waiting: {
    short: 'waiting for the response head',
    what: 'waiting for the response head: the server accepted the request and never sent a complete status line and headers',
    server: 'the handler never answers (or trickles the head byte by byte): set a response deadline in the server or its proxy',
  },
  receiving: {
    short: 'receiving the body',
    what: 'reading the response body: the head arrived but the body never ended (an endless or stalled body, or a chunk that never finishes)',
    server: 'the response body never ends: check streaming handlers end their responses',
  },
};

/** Deadline errors that say which step a request was stuck in when it gave up. */
const TIMEOUT_STEPS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connecting',
  UND_ERR_HEADERS_TIMEOUT: 'waiting',
  UND_ERR_BODY_TIMEOUT: 'receiving',
};

/**
 * A load run in which not one response arrived: the run failed, whatever else it measured. Says
 * which step the requests were stuck in when it ended (or the error every request failed with).
 */
export const noRequestCompleted: Rule = {
  id: 'no-request-completed',
  evaluate(ctx) {
    const load = ctx.session.facts.load;
    if (!load || load.succeeded > 0 || load.failed + load.abandoned === 0) return undefined;
    const steps = Object.entries(load.stuck).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
    const [step, stuckCount] = steps[0] ?? ['', 0];
    const evidence: Record<string, number | string> = { responses: 0, failed: load.failed, abandoned: load.abandoned };
    for (const [s, n] of steps) evidence[`stuck_${s}`] = n;
    if (load.topError) evidence.topError = load.topError;
    const seconds = (load.durationMs / 1000).toFixed(1);
    if (load.failed === 0 && step) {
      const d = STEPS[step]!;
      const every = stuckCount === load.abandoned ? `all ${load.abandoned}` : `${stuckCount} of ${load.abandoned}`;
      evidence.stuckIn = step;
      return finding('no-request-completed', {
        title: `No request completed in ${seconds} s: ${every} requests were stuck ${d.short}`,
        evidence,
        fix: {
          summary: `Every request was still ${d.what}. Nothing was measured: the run failed.`,
          server: d.server,
          undici: 'a client facing this server needs deadlines: headersTimeout and bodyTimeout (bench: --timeout)',
          nodeHttp: 'req.setTimeout(ms, () => req.destroy()) bounds each request',
        },
      });
    }
    const timedOutIn = load.topError ? TIMEOUT_STEPS[load.topError] : undefined;
    if (timedOutIn) {
      // requests that hit their deadline were stuck too: the deadline's kind names the step
      const d = STEPS[timedOutIn]!;
      evidence.stuckIn = timedOutIn;
      return finding('no-request-completed', {
        title: `No request completed in ${seconds} s: requests timed out ${d.short} (${load.topError})`,
        evidence,
        fix: { summary: `Requests were still ${d.what}, until their deadline. Nothing was measured: the run failed.`, server: d.server },
      });
    }
    return finding('no-request-completed', {
      title: `No request completed in ${seconds} s: every one that ended failed${load.topError ? ` (mostly ${load.topError})` : ''}`,
      evidence,
      fix: {
        summary: 'No response arrived: every request that ended failed with an error (see the error table for what each code means). Nothing was measured: the run failed.',
        server: 'fix what the error codes name (a response the HTTP parser rejects, refused or reset streams, a server that closes connections)',
      },
    });
  },
};
