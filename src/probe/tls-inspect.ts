import type { Facts } from '../model/facts.js';
import type { CertificateFacts } from './certificate.js';
import { isCertCode } from '../cert-errors.js';
import { handshake } from './handshake.js';
import type { ClientTls } from './http1-client.js';
import { checkResumptionKinds, type ResumptionKinds } from './resumption-kinds.js';
import type { Target } from './target.js';
import { checkVersions, type VersionSupport } from './tls-versions.js';

/** What the probe learns from bare handshakes beside the request series: versions, certificate, how sessions resume. */
export interface TlsInspection {
  versions: VersionSupport;
  certificate: CertificateFacts | null;
  /** The chain verified against the trust store in use (--ca, or the system store); null when no certificate was seen. */
  verified: boolean | null;
  /** OpenSSL's reason when it did not (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, ...). */
  verifyError: string | null;
  resumption: ResumptionKinds;
}

/**
 * Runs after the series (so none of these handshakes is the process's first, cold one): the version checks, one
 * handshake reading the certificate with verification as configured, then the resumption checks.
 */
export async function inspectTls(
  target: Target,
  base: ClientTls,
  seriesVersion: string | undefined,
  timeoutMs: () => number,
  stopped: () => boolean = () => false,
): Promise<TlsInspection> {
  const support = await checkVersions(target, base, timeoutMs, stopped);
  const cert = stopped() ? { certificate: null, verified: null, verifyError: null } : await readCertificate(target, base, timeoutMs);
  const resumption = await checkResumptionKinds(target, base, support, seriesVersion, timeoutMs, stopped);
  return { versions: support, ...cert, resumption };
}

async function readCertificate(target: Target, base: ClientTls, timeoutMs: () => number): Promise<Pick<TlsInspection, 'certificate' | 'verified' | 'verifyError'>> {
  const r = await handshake(target, base, timeoutMs(), { certificate: true });
  if (r.ok) {
    return { certificate: r.certificate ?? null, verified: r.certificate ? (r.authorized ?? null) : null, verifyError: r.authorizationError ?? null };
  }
  if (!r.rawCode || !isCertCode(r.rawCode)) return { certificate: null, verified: null, verifyError: null };
  // The chain did not verify, so the verified handshake never exposed the certificate. One more handshake without
  // verification reads it to say why (expired on, issued by); it is closed right after, nothing is sent on it.
  const look = await handshake(target, { ...base, rejectUnauthorized: false }, timeoutMs(), { certificate: true });
  return { certificate: look.certificate ?? null, verified: false, verifyError: r.rawCode };
}

/** The facts the rules read (legacy-tls-accepted, cert-expires-soon, long-ticket-lifetime, no-session-resumption). */
export function inspectionFacts(i: TlsInspection): Partial<NonNullable<Facts['tls']>> {
  const out: Partial<NonNullable<Facts['tls']>> = { versions: { ...i.versions } };
  const r = i.resumption;
  // at the version the series used; without a series version, whichever version issued tickets
  const lifetime = r.pair ? r.pair.ticketLifetimeSec : (r.tls13?.ticketLifetimeSec ?? r.tls12?.ticketLifetimeSec ?? null);
  if (lifetime !== null) out.ticketLifetimeSec = lifetime;
  if (r.tls13) out.ticketsNotHonoured = r.tls13.ticketIssued && r.tls13.psk === false;
  if (i.certificate) {
    out.certificate = {
      subject: i.certificate.subject,
      issuer: i.certificate.issuer,
      validTo: Date.parse(i.certificate.validTo),
      ...(i.verified !== null ? { verified: i.verified } : {}),
      ...(i.verifyError ? { verifyError: i.verifyError } : {}),
    };
  }
  return out;
}
