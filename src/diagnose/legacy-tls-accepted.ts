import { finding, type Rule } from './engine.js';

const LEGACY = ['TLSv1', 'TLSv1.1'] as const;

/** The server still completes TLS 1.0 / 1.1 handshakes (deprecated by RFC 8996). */
export const legacyTlsAccepted: Rule = {
  id: 'legacy-tls-accepted',
  evaluate({ session }) {
    const versions = session.facts.tls?.versions;
    if (!versions) return undefined;
    const accepted = LEGACY.filter((v) => versions[v] === true);
    if (accepted.length === 0) return undefined;
    return finding('legacy-tls-accepted', {
      // TLS 1.0 (CBC and SHA-1 era, BEAST-class attacks) is the worse of the two
      severity: accepted.includes('TLSv1') ? 'warn' : 'info',
      evidence: {
        legacyAccepted: accepted.join(', '),
        accepted: Object.entries(versions).filter(([, ok]) => ok === true).map(([v]) => v).join(', '),
      },
      fix: {
        summary: 'Accept TLS 1.2 and 1.3 only: TLS 1.0 and 1.1 are deprecated (RFC 8996) and current clients no longer offer them, so keeping them only helps a downgrade.',
        nodeHttp: "nothing to change: Node 20 clients offer TLS 1.2+ (keep minVersion at its default 'TLSv1.2', no --tls-min-v1.0)",
        undici: "nothing to change: connect.minVersion defaults to 'TLSv1.2'",
        fetch: 'nothing to change',
        server: "Node: https.createServer({ minVersion: 'TLSv1.2' }) and no 'DEFAULT@SECLEVEL=0' ciphers / --tls-min-v1.0; nginx: ssl_protocols TLSv1.2 TLSv1.3; Go: tls.Config{MinVersion: tls.VersionTLS12} (servers before Go 1.22 accept TLS 1.0 by default)",
      },
    });
  },
};
