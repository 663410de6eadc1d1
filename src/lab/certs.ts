import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as any);

export interface CertChain {
  /** Trust anchor to give the client (`ca` option / --ca). */
  caPem: string;
  /** Leaf private key (PKCS#8 PEM). */
  keyPem: string;
  /** Leaf certificate. */
  certPem: string;
  /** Leaf followed by the intermediates: what a server sends (`cert` option). */
  chainPem: string;
  /** DER sizes of leaf + intermediates, in chain order. */
  derSizes: number[];
  leafNotAfter: Date;
}

export interface CertChainOptions {
  /** Intermediate CAs between root and leaf (default 1). */
  intermediates?: number;
  /** DNS names and IPs for the leaf (default localhost, 127.0.0.1, ::1). */
  hosts?: string[];
  /** Leaf validity in days from now (default 90, like an ACME certificate); 0 or below makes an expired leaf. */
  days?: number;
  /** Pads each certificate with an extra extension of this many bytes (to inflate the chain). */
  padBytes?: number;
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

let serial = 1;
function nextSerial(): string {
  return (Date.now().toString(16) + (serial++).toString(16).padStart(4, '0')).padStart(16, '0');
}

/**
 * Makes a root CA → intermediates → leaf chain with ECDSA P-256 keys, for tests and lab servers.
 * Nothing here is meant for production trust.
 */
export async function makeCertChain(options: CertChainOptions = {}): Promise<CertChain> {
  const intermediates = options.intermediates ?? 1;
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1'];
  const notBefore = new Date(Date.now() - 60_000);
  const caNotAfter = new Date(Date.now() + 365 * 86_400_000);
  const leafNotAfter = new Date(Date.now() + (options.days ?? 90) * 86_400_000);
  // an expired leaf still starts before it ends (issued a day before its expiry at the latest)
  const leafNotBefore = new Date(Math.min(notBefore.getTime(), leafNotAfter.getTime() - 86_400_000));
  const pad = options.padBytes
    ? [new x509.Extension('1.3.6.1.4.1.55555.1', false, new Uint8Array(options.padBytes).fill(0x41).buffer)]
    : [];

  const rootKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: 'CN=connscope test root',
    notBefore,
    notAfter: caNotAfter,
    signingAlgorithm: alg,
    keys: rootKeys as any,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey as any),
    ],
  });

  let issuer = root;
  let issuerKey = rootKeys.privateKey as any;
  const inters: x509.X509Certificate[] = [];
  for (let i = 0; i < intermediates; i++) {
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: nextSerial(),
      subject: `CN=connscope test intermediate ${i + 1}`,
      issuer: issuer.subject,
      notBefore,
      notAfter: caNotAfter,
      signingAlgorithm: alg,
      publicKey: keys.publicKey as any,
      signingKey: issuerKey,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as any),
        await x509.AuthorityKeyIdentifierExtension.create(issuer),
        ...pad,
      ],
    });
    inters.unshift(cert);
    issuer = cert;
    issuerKey = keys.privateKey as any;
  }

  const leafKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const isIp = (h: string): boolean => /^[\d.]+$/.test(h) || h.includes(':');
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${hosts[0] ?? 'localhost'}`,
    issuer: issuer.subject,
    notBefore: leafNotBefore,
    notAfter: leafNotAfter,
    signingAlgorithm: alg,
    publicKey: leafKeys.publicKey as any,
    signingKey: issuerKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIp(h) ? { type: 'ip', value: h } : { type: 'dns', value: h }))),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
      ...pad,
    ],
  });

  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey as any);
  const chainCerts = [leaf, ...inters];
  return {
    caPem: root.toString('pem') + '\n',
    keyPem: toPem(pkcs8, 'PRIVATE KEY'),
    certPem: leaf.toString('pem') + '\n',
    chainPem: chainCerts.map((c) => c.toString('pem')).join('\n') + '\n',
    derSizes: chainCerts.map((c) => c.rawData.byteLength),
    leafNotAfter,
  };
}
