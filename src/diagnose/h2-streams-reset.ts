import { finding, type Rule } from './engine.js';

/**
 * The server answers HTTP/2 streams with RST_STREAM instead of a response (REFUSED_STREAM only
 * when it kept refusing a stream after retries; refusals that a retry cured are not resets).
 * Every stream reset is an error; most streams reset means the server rejects the request itself.
 */
export const h2StreamsReset: Rule = {
  id: 'h2-streams-reset',
  evaluate(ctx) {
    const h2 = ctx.session.facts.http2;
    const reset = h2?.streamsReset ?? 0;
    if (!h2 || reset === 0) return undefined;
    const streams = Math.max(h2.streams ?? reset, reset);
    const codes = Object.entries(h2.resetCodes ?? {}).sort((a, b) => b[1] - a[1]);
    const top = codes[0]?.[0] ?? 'unknown';
    const share = reset / streams;
    const all = share >= 0.99;
    return finding('h2-streams-reset', {
      severity: all ? 'error' : 'warn',
      title: all ? `The server reset every HTTP/2 stream (${top})` : `The server reset ${(share * 100).toFixed(1)} % of HTTP/2 streams (mostly ${top})`,
      evidence: { streams, reset, share: Number(share.toFixed(4)), topCode: top, codes: codes.map(([c, n]) => `${c}×${n}`).join(' ') },
      fix: {
        summary:
          top === 'NGHTTP2_REFUSED_STREAM'
            ? 'The server keeps refusing streams (REFUSED_STREAM) even when they are retried: it is overloaded or at its stream limit.'
            : 'The server ends streams with RST_STREAM instead of a response: check its logs for what it rejects (a handler error shows as INTERNAL_ERROR, a proxy limit as REFUSED_STREAM or ENHANCE_YOUR_CALM).',
        nodeHttp: "node:http2: a stream 'close' with stream.rstCode set and no response is a reset; retry only REFUSED_STREAM (not processed)",
        undici: 'undici (allowH2) surfaces resets as errors; compose interceptors.retry() for the refused ones',
        server: top === 'NGHTTP2_ENHANCE_YOUR_CALM' ? 'the server throttles the client: lower the stream rate or raise its limits' : 'fix the handler or proxy rule that resets the stream',
      },
    });
  },
};
