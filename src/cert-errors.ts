/**
 * Certificate verification failures explained by their actual cause, with the hint that fixes that cause:
 * an unknown issuer needs the CA (--ca), an expired or not-yet-valid certificate needs the server (or the clock)
 * fixed, a name mismatch needs a name the certificate covers. Shared by probe and bench's preflight so both say
 * the same thing for the same error.
 */
export interface CertProblem {
  message: string;
  hint: string;
}

export interface CertContext {
  /** Host name the client verified the certificate against. */
  host: string;
  /** The user gave trust anchors (--ca): an unknown issuer then means that file lacks the issuing CA. */
  caGiven?: boolean;
}

const UNKNOWN_ISSUER = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);
const SELF_SIGNED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
const INSECURE = '--insecure skips verification';

/** True for the codes of a failed certificate check (OpenSSL's X509 errors and Node's host name check). */
export function isCertCode(code: string): boolean {
  return code.includes('CERT') || UNKNOWN_ISSUER.has(code) || SELF_SIGNED.has(code);
}

/** The explanation of a certificate error; undefined when `code` is not one. */
export function explainCertError(code: string, err: unknown, ctx: CertContext): CertProblem | undefined {
  if (!isCertCode(code)) return undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = (err as { cert?: { subjectaltname?: string } } | undefined)?.cert?.subjectaltname;
    return {
      message: `certificate verification failed: the certificate does not cover ${ctx.host}${names ? ` (it covers ${names.replace(/IP Address:/g, 'IP:')})` : ''}`,
      hint: 'use a name the certificate was issued for (--resolve pins the address), or reissue the certificate with this name',
    };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return { message: `certificate verification failed: the server's certificate has expired (${code})`, hint: `the server needs a renewed certificate; --ca cannot fix this; ${INSECURE}` };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return { message: `certificate verification failed: the server's certificate is not valid yet (${code})`, hint: `check the clocks of this machine and of the issuer; ${INSECURE}` };
  }
  if (UNKNOWN_ISSUER.has(code) || SELF_SIGNED.has(code)) {
    const what = code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
      ? 'the server uses a self-signed certificate that is not trusted'
      : code === 'SELF_SIGNED_CERT_IN_CHAIN'
        ? 'the chain ends in a self-signed root that is not trusted'
        : 'the issuer of the certificate is not trusted (unknown CA, or the server does not send its intermediate)';
    const hint = ctx.caGiven
      ? `the --ca file does not hold the CA that issued this chain (or the server omits an intermediate): give the issuing CA; ${INSECURE}`
      : `pass --ca <file> with the issuing CA certificate; ${INSECURE}`;
    return { message: `certificate verification failed: ${what} (${code})`, hint };
  }
  const message = err instanceof Error ? err.message.split('\n')[0]!.trim() : String(err);
  return { message: `certificate verification failed: ${message} (${code})`, hint: INSECURE };
}
