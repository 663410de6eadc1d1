import type { ConnscopeError } from '../errors.js';
import { handshake } from './handshake.js';
import type { ClientTls } from './http1-client.js';
import type { Target } from './target.js';

export interface AlpnCheck {
  offered: string[];
  /** What the server selected; null when it selected nothing (or the handshake failed). */
  selected: string | null;
  /** The handshake completed. */
  ok: boolean;
  /** The server refused the handshake because it shares no protocol with the offer (alert 120). */
  noOverlap: boolean;
  error?: ConnscopeError;
}

/** Handshake offering `offered` and report what the server picked. */
export async function checkAlpn(target: Target, base: ClientTls, offered: string[], timeoutMs: number): Promise<AlpnCheck> {
  const r = await handshake(target, { ...base, ALPNProtocols: offered }, timeoutMs);
  const selected = r.ok && typeof r.info?.alpn === 'string' ? r.info.alpn : null;
  return {
    offered,
    selected,
    ok: r.ok,
    noOverlap: !r.ok && /NO_APPLICATION_PROTOCOL/.test(r.rawCode ?? ''),
    ...(r.error ? { error: r.error } : {}),
  };
}
