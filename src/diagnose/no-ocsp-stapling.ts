import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/** The client asked for a stapled OCSP response and the server sent none. */
export const noOcspStapling: Rule = {
  id: 'no-ocsp-stapling',
  evaluate({ session }) {
    const full = ([...session.connections.values()] as ConnectionRecord[]).filter((c) => c.tls && !c.tls.resumed && c.tls.ocspStapled !== undefined);
    if (full.length === 0 || full.some((c) => c.tls?.ocspStapled)) return undefined;
    return finding('no-ocsp-stapling', {
      evidence: { fullHandshakes: full.length, stapled: 0 },
      fix: {
        summary: 'Clients that check revocation must ask the CA themselves (an extra lookup on a cold start). Node clients do not check OCSP by default.',
        nodeHttp: 'nothing to set: Node does not check OCSP unless you handle the OCSPResponse event',
        undici: 'nothing to set',
        fetch: 'nothing to set',
        server: 'enable stapling (nginx: ssl_stapling on; ssl_stapling_verify on; Node: answer the server OCSPRequest event)',
      },
    });
  },
};
