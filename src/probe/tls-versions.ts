import type tls from 'node:tls';
import { isCertCode } from '../cert-errors.js';
import { handshake, type HandshakeResult } from './handshake.js';
import type { ClientTls } from './http1-client.js';
import type { Target } from './target.js';

export const ALL_TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const satisfies readonly tls.SecureVersion[];
export type AnyTlsVersion = (typeof ALL_TLS_VERSIONS)[number];
export const LEGACY_TLS_VERSIONS: readonly AnyTlsVersion[] = ['TLSv1', 'TLSv1.1'];

/** Per version: the server accepted it (true), refused it (false), or the check could not tell (null: timeout, network). */
export type VersionSupport = Record<AnyTlsVersion, boolean | null>;

/**
 * OpenSSL 3 refuses to even offer TLS 1.0/1.1 at its default security level 1 (their signature algorithms use SHA-1
 * / MD5), so the check lowers it to 0 for those two versions only, as testssl and `openssl s_client -cipher
 * DEFAULT@SECLEVEL=0 -tls1` do.
 */
const LEGACY_CIPHERS = 'DEFAULT@SECLEVEL=0';

/**
 * One handshake per version, offering that version alone (certificate verification as configured, no ALPN, nothing
 * written). A certificate the client rejects still means the server spoke that version: it got as far as sending
 * its certificate.
 */
export async function checkVersions(
  target: Target,
  base: ClientTls,
  timeoutMs: () => number,
  stopped: () => boolean = () => false,
): Promise<VersionSupport> {
  const support = {} as VersionSupport;
  for (const v of ALL_TLS_VERSIONS) {
    // a probe stopped (Ctrl-C, deadline) leaves the rest unknown
    if (stopped()) {
      support[v] = null;
      continue;
    }
    const legacy = LEGACY_TLS_VERSIONS.includes(v);
    const r = await handshake(target, { ...base, minVersion: v, maxVersion: v, ALPNProtocols: undefined }, timeoutMs(), legacy ? { ciphers: LEGACY_CIPHERS } : {});
    support[v] = r.ok ? r.info?.version === v : acceptedDespiteFailure(r);
  }
  return support;
}

/** A failed handshake: refused (a TLS alert or error), or unknown (no TLS answer: timeout, refused, reset before TLS). */
function acceptedDespiteFailure(r: HandshakeResult): boolean | null {
  if (r.error?.layer !== 'tls') return null;
  // the certificate came at that version: the client, not the server, ended the handshake
  return isCertCode(r.rawCode ?? '');
}
