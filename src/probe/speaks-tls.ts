import { ConnscopeError } from '../errors.js';
import { handshake } from './handshake.js';
import type { ClientTls } from './http1-client.js';
import type { Target } from './target.js';

/** A TLS server answers a ClientHello within a round trip; a plain server that ignores it must not hold the report up. */
const CHECK_MS = 2000;

/** Raw codes of a handshake that got as far as the server's TLS answer (certificate checks, alerts). */
const TLS_ANSWERED = /CERT|SELF_SIGNED|UNABLE_TO|ALERT|ERR_TLS_/;

/**
 * An http:// request that the server hung up on (or answered with bytes that are not HTTP) may have reached a
 * TLS port: one bare handshake on the same address tells. When the server speaks TLS, the failure keeps its
 * message and gains the hint to use https://; otherwise it is returned unchanged.
 */
export async function explainPlainFailure(failure: ConnscopeError, answered: boolean, target: Target, base: ClientTls, timeoutMs: number): Promise<ConnscopeError> {
  // a server that sent an HTTP status line speaks HTTP on this port
  if (target.secure || answered || (failure.code !== 'CONNSCOPE_ERR_RESET' && failure.code !== 'CONNSCOPE_ERR_HTTP')) return failure;
  const r = await handshake({ ...target, secure: true }, { ...base, ALPNProtocols: undefined }, Math.min(timeoutMs, CHECK_MS));
  const speaksTls = r.ok || TLS_ANSWERED.test(r.rawCode ?? '');
  if (!speaksTls) return failure;
  return new ConnscopeError(failure.code, `${failure.message}: the server speaks TLS on port ${target.port}`, {
    layer: failure.layer,
    hint: 'it expects TLS: use an https:// URL',
    cause: failure,
  });
}
