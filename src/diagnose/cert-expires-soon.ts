import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

const DAY_MS = 86_400_000;

/** The server's certificate expires within the threshold (warn), or has expired (error). */
export const certExpiresSoon: Rule = {
  id: 'cert-expires-soon',
  evaluate({ session, thresholds }) {
    const cert = session.facts.tls?.certificate;
    // a probe read the certificate itself; other sources have the leaf expiry of each traced connection
    let validTo = cert?.validTo;
    if (validTo === undefined) {
      for (const c of session.connections.values() as Iterable<ConnectionRecord>) {
        const t = c.tls?.leafValidTo;
        if (t !== undefined && (validTo === undefined || t < validTo)) validTo = t;
      }
    }
    if (validTo === undefined || !Number.isFinite(validTo)) return undefined;
    const daysLeft = (validTo - Date.now()) / DAY_MS;
    if (daysLeft > thresholds.certExpiryDays) return undefined;
    const expired = daysLeft <= 0;
    return finding('cert-expires-soon', {
      severity: expired ? 'error' : 'warn',
      title: expired ? 'The server certificate has expired' : undefined,
      evidence: {
        validTo: new Date(validTo).toISOString(),
        daysLeft: Math.round(daysLeft * 10) / 10,
        thresholdDays: thresholds.certExpiryDays,
        subject: cert?.subject ?? null,
        issuer: cert?.issuer ?? null,
      },
      fix: {
        summary: expired
          ? 'The certificate has expired: every client that verifies certificates refuses the connection (CERT_HAS_EXPIRED). Renew it and reload the server.'
          : 'Renew the certificate before it expires, and automate renewal (ACME: certbot, lego, cert-manager) with an alert well ahead of expiry.',
        nodeHttp: 'nothing to set on the client; do not turn verification off (rejectUnauthorized: false) to get past an expired certificate',
        undici: 'nothing to set on the client; keep connect.rejectUnauthorized on',
        fetch: 'nothing to set on the client',
        server: 'renew and reload: nginx `nginx -s reload` after replacing ssl_certificate; Node: server.setSecureContext({ key, cert }) picks up the new pair without a restart',
      },
    });
  },
};
