import { handshake } from './handshake.js';
import type { ClientTls } from './http1-client.js';
import type { Target } from './target.js';
import type { HandshakeOutcome, TlsVersionName } from './types.js';

const VERSIONS: TlsVersionName[] = ['TLSv1.2', 'TLSv1.3'];
const PROTOCOLS = ['h2', 'http/1.1'] as const;

/** TLS 1.2/1.3 × ALPN h2/http1.1: which combinations work, and why the others do not. Sequential (cheap, and kind to the server). */
export async function tlsMatrix(target: Target, base: ClientTls, timeoutMs: number): Promise<HandshakeOutcome[]> {
  const out: HandshakeOutcome[] = [];
  for (const version of VERSIONS) {
    for (const alpn of PROTOCOLS) {
      const r = await handshake(target, { ...base, minVersion: version, maxVersion: version, ALPNProtocols: [alpn] }, timeoutMs);
      const negotiatedAlpn = r.ok ? (typeof r.info?.alpn === 'string' ? r.info.alpn : null) : null;
      // without ALPN a server still speaks HTTP/1.1; h2 needs the server to select it
      const ok = r.ok && (alpn === 'h2' ? negotiatedAlpn === 'h2' : negotiatedAlpn === null || negotiatedAlpn === 'http/1.1');
      let reason: string | null = null;
      if (!r.ok) reason = r.error?.message ?? 'handshake failed';
      else if (!ok) reason = negotiatedAlpn === null ? 'the server selected no ALPN protocol (no HTTP/2 over TLS)' : `the server selected ${negotiatedAlpn}`;
      out.push({
        tls: version,
        alpn,
        ok,
        negotiatedVersion: r.info?.version ?? null,
        negotiatedAlpn,
        handshakeMs: r.handshakeMs ?? null,
        reason,
      });
    }
  }
  return out;
}
