import { queuedInThreadpool } from './dns-threadpool-saturated.js';
import { slowPhaseRule } from './slow-phase.js';

export const slowDns = slowPhaseRule('slow-dns', 'dns', (ctx) => ctx.thresholds.slowDnsMs, {
  summary: 'Reuse connections so lookups happen once, and cache lookups in-process.',
  nodeHttp: 'new http.Agent({ keepAlive: true, lookup: cachedLookup }) (e.g. the cacheable-lookup package)',
  undici: "new Agent({ connect: { lookup: cachedLookup } }) or the undici `interceptors.dns()` interceptor",
  fetch: "fetch(url, { dispatcher: new Agent().compose(interceptors.dns()) })",
  // a lookup that queued for a threadpool thread is dns-threadpool-saturated: the resolver was not the slow part
}, { key: 'queuedInThreadpool', test: queuedInThreadpool });
