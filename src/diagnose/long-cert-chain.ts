import type { ConnectionRecord } from '../model/connection.js';
import { finding, type Rule } from './engine.js';

/** The server sends more certificates (or bytes) than a handshake needs: every full handshake carries them. */
export const longCertChain: Rule = {
  id: 'long-cert-chain',
  evaluate({ session, thresholds }) {
    let worst: { depth: number; bytes: number } | undefined;
    for (const c of session.connections.values() as Iterable<ConnectionRecord>) {
      const ch = c.tls?.chain;
      if (!ch) continue;
      if (!worst || ch.depth > worst.depth || ch.bytes > worst.bytes) worst = ch;
    }
    if (!worst || (worst.depth <= thresholds.longChainDepth && worst.bytes <= thresholds.longChainBytes)) return undefined;
    return finding('long-cert-chain', {
      evidence: {
        depth: worst.depth,
        bytes: worst.bytes,
        maxDepth: thresholds.longChainDepth,
        maxBytes: thresholds.longChainBytes,
      },
      fix: {
        summary: 'Send the leaf and only the intermediates needed to reach a trusted root; prefer ECDSA certificates (smaller).',
        nodeHttp: 'nothing to set on the client; resumption (one shared Agent) avoids resending the chain',
        undici: 'nothing to set on the client; one shared Agent resumes sessions',
        fetch: 'nothing to set on the client',
        server: 'trim the chain file (no root, no cross-signs the clients do not need); Node: `cert` = leaf + required intermediates; nginx: ssl_certificate with the minimal chain',
      },
    });
  },
};
