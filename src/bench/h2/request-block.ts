import { pathOf, requestHeaders } from '../engine.js';
import type { ResolvedBenchOptions } from '../options.js';
import { encodeHeaderBlock } from './hpack-encoder.js';

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2): connection-specific, carried by the framing instead. */
const CONNECTION_SPECIFIC = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

/** The request's HPACK header block, encoded once for every stream of the run. */
export function requestBlock(o: ResolvedBenchOptions): Buffer {
  const url = o.url;
  const headers = requestHeaders(o);
  const fields: Array<[string, string]> = [
    [':method', o.method],
    [':scheme', url.protocol === 'https:' ? 'https' : 'http'],
    [':authority', headers.host ?? url.host],
    [':path', pathOf(url)],
  ];
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (!CONNECTION_SPECIFIC.has(name) && name !== 'content-length') fields.push([name, v]);
  }
  if ((url.username || url.password) && headers.authorization === undefined && headers.Authorization === undefined) {
    fields.push(['authorization', `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`]);
  }
  if (o.body !== undefined) fields.push(['content-length', String(o.body.length)]);
  return encodeHeaderBlock(fields);
}
