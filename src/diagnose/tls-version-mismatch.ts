import { finding, type Rule } from './engine.js';

/** The client limited TLS versions to a range the server does not support, so the handshake failed. */
export const tlsVersionMismatch: Rule = {
  id: 'tls-version-mismatch',
  evaluate({ session }) {
    const fail = session.facts.tls?.versionFailure;
    if (!fail) return undefined;
    const range = `${fail.min ?? 'default'}..${fail.max ?? 'default'}`;
    return finding('tls-version-mismatch', {
      evidence: {
        clientMin: fail.min ?? null,
        clientMax: fail.max ?? null,
        serverVersion: fail.serverVersion ?? null,
        error: fail.message,
      },
      fix: {
        summary: fail.serverVersion
          ? `The server needs ${fail.serverVersion}; the client allows only ${range}. Allow ${fail.serverVersion} on the client.`
          : `The client allows only ${range}; widen the range to what the server supports.`,
        nodeHttp: `new https.Agent({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }) (or leave both at their defaults)`,
        undici: "new Agent({ connect: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' } })",
        fetch: "fetch(url, { dispatcher: new Agent({ connect: { maxVersion: 'TLSv1.3' } }) }); check NODE_OPTIONS for --tls-max-v1.2",
        server: 'support TLS 1.2 and 1.3 (Node: minVersion: \'TLSv1.2\'; nginx: ssl_protocols TLSv1.2 TLSv1.3)',
      },
    });
  },
};
