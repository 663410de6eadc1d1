import { UsageError } from './errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Checks trust anchors before any traffic: Node silently ignores `ca` text without a certificate, and probe or
 * bench would then blame the server's chain ("pass --ca"). Throws a UsageError naming what the text holds instead
 * (a private key, a DER file, nothing); `source` names it in the message (e.g. "--ca file ./ca.pem").
 */
export function checkCa(ca: string | Buffer | readonly (string | Buffer)[], source = '--ca'): void {
  // node:crypto (17 internal modules) loads only when a --ca is checked: every CLI command imports this file
  const { X509Certificate } = process.getBuiltinModule('node:crypto');
  const texts = (typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : ca).map((t) => (typeof t === 'string' ? t : t.toString('latin1')));
  let certificates = 0;
  const others = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(PEM_BLOCK)) {
      if (m[1] !== 'CERTIFICATE' && m[1] !== 'TRUSTED CERTIFICATE') {
        others.add(m[1]!);
        continue;
      }
      try {
        new X509Certificate(m[0]);
        certificates++;
      } catch {
        throw new UsageError(`${source} holds a CERTIFICATE block that does not parse`, 'give PEM CA certificates (-----BEGIN CERTIFICATE-----)');
      }
    }
  }
  if (certificates > 0) return;
  const held = others.size > 0
    ? `it holds ${[...others].map((k) => (/PRIVATE KEY/.test(k) ? 'a private key' : `a ${k}`)).join(' and ')}`
    : texts.some((t) => t.trim() !== '') ? 'it is not PEM (a DER file? convert it: openssl x509 -inform der -in FILE -out ca.pem)' : 'it is empty';
  throw new UsageError(`${source} holds no certificate: ${held}`, 'give the PEM certificate of the issuing CA (-----BEGIN CERTIFICATE-----)');
}
