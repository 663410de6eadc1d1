import { X509Certificate } from 'node:crypto';
import { derChildren, derOid, derUnwrap } from './der.js';

/** The leaf certificate facts a user acts on (renewal, trust store, key strength). */
export interface CertificateFacts {
  /** Subject and issuer distinguished names on one line ('CN=example.com, O=Example'). */
  subject: string;
  issuer: string;
  /** subjectAltName entries as OpenSSL prints them ('DNS:example.com', 'IP Address:127.0.0.1'). */
  subjectAltNames: string[];
  /** 'RSA', 'EC', 'Ed25519', ...; with the curve for EC keys ('EC P-256'). */
  keyType: string | null;
  /** RSA modulus / EC field size in bits. */
  keyBits: number | null;
  /** Signature algorithm of the certificate ('ecdsa-with-SHA256', 'sha256WithRSAEncryption', ...). */
  signatureAlgorithm: string | null;
  validFrom: string;
  validTo: string;
}

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

const CURVES: Record<string, { name: string; bits: number }> = {
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
  secp256k1: { name: 'secp256k1', bits: 256 },
};

/**
 * Facts of one certificate. node:crypto's X509Certificate gives all of them but the signature algorithm (Node 20
 * has no accessor for it), which is read from the DER: Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier, sig }.
 */
export function certificateFacts(cert: X509Certificate): CertificateFacts {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  let keyType: string | null = null;
  let keyBits: number | null = null;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      keyType = key.asymmetricKeyType === 'rsa' ? 'RSA' : 'RSA-PSS';
      keyBits = details.modulusLength ?? null;
      break;
    case 'ec': {
      const curve = details.namedCurve ? CURVES[details.namedCurve] : undefined;
      keyType = `EC ${curve?.name ?? details.namedCurve ?? ''}`.trim();
      keyBits = curve?.bits ?? null;
      break;
    }
    case 'ed25519':
      keyType = 'Ed25519';
      keyBits = 256;
      break;
    case 'ed448':
      keyType = 'Ed448';
      keyBits = 456;
      break;
    default:
      keyType = key.asymmetricKeyType ?? null;
  }
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    subjectAltNames: cert.subjectAltName ? cert.subjectAltName.split(/,\s*(?=[A-Za-z][A-Za-z ]*:)/) : [],
    keyType,
    keyBits,
    signatureAlgorithm: signatureAlgorithmOf(cert.raw),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
  };
}

/** Name of the certificate's signatureAlgorithm (the OID itself when unknown); null when the DER is not a certificate. */
export function signatureAlgorithmOf(der: Buffer): string | null {
  const cert = derUnwrap(der, 0x30);
  const parts = cert && derChildren(cert);
  const algId = parts?.[1]?.tag === 0x30 ? derChildren(parts[1].content) : null;
  const oid = algId?.[0]?.tag === 0x06 ? derOid(algId[0].content) : null;
  return oid === null ? null : SIGNATURE_ALGORITHMS[oid] ?? oid;
}

/** X509Certificate prints names one RDN per line. */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}
