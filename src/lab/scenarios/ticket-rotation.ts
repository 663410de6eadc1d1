import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { nodeGet, paced } from '../clients.js';
import type { ConnectionRecord } from '../../model/connection.js';
import { measure } from '../measure.js';
import type { Scenario } from '../scenario.js';
import { okHandler, startHttpsServer } from '../servers.js';

const CONNECTIONS = 8;

export const ticketRotation: Scenario = {
  name: 'ticket-rotation',
  title: 'The server rotates its session-ticket keys: every handshake is full',
  reproduces:
    `An HTTPS server that installs new session-ticket keys before every handshake (as a fleet with unsynchronised keys does): ` +
    `the client offers its cached ticket on each of ${CONNECTIONS} new connections and the server cannot decrypt it.`,
  expected: 'no-session-resumption',
  beforeConfig: 'server.setTicketKeys(randomBytes(48)) on every connection; https.Agent with a session cache (maxCachedSessions 100), one connection per request',
  afterConfig: 'stable ticket keys (shared by every instance); same client',
  metric: { key: 'fullHandshakes', better: 'lower' },
  async run(variant, ctx) {
    const chain = await ctx.chain();
    const server = await startHttpsServer(okHandler(), chain);
    if (variant === 'before') {
      // before the handshake starts, so the ticket from the previous connection is already stale
      server.server.on('connection', () => server.server.setTicketKeys(randomBytes(48)));
    }
    // keepAlive off so each request needs a new connection and a handshake: the resumption is what is measured
    const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 100 });
    try {
      return await measure({ origins: [server.origin], servers: [server], deadlineMs: ctx.deadlineMs, signal: ctx.signal }, async ({ signal, session }) => {
        await paced(Array(CONNECTIONS).fill(5), signal, () => nodeGet(server.origin + '/', { agent, signal, ca: chain.caPem }));
        return { keepAliveEnabled: false, tls: { ...resumptionFacts(session.connections.values()), clientSessionCacheSize: 100 } };
      });
    } finally {
      agent.destroy();
      await server.close();
    }
  },
};

/**
 * What the probe's resumption check concludes, from the handshakes measured: every connection
 * after the first offered the cached session, so resumption is supported when any of them resumed.
 */
function resumptionFacts(connections: Iterable<ConnectionRecord>): { resumptionAttempted: boolean; resumptionSupported?: boolean; fullHandshakeMs?: number; resumedHandshakeMs?: number } {
  const tls = [...connections].filter((c) => c.tls).sort((a, b) => a.openedAt - b.openedAt);
  if (tls.length < 2) return { resumptionAttempted: false };
  const median = (xs: number[]): number | undefined => (xs.length ? xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] : undefined);
  const full = median(tls.filter((c) => !c.tls!.resumed && c.establishment.tls !== undefined).map((c) => c.establishment.tls!));
  const resumed = median(tls.filter((c) => c.tls!.resumed && c.establishment.tls !== undefined).map((c) => c.establishment.tls!));
  return {
    resumptionAttempted: true,
    resumptionSupported: tls.slice(1).some((c) => c.tls!.resumed),
    ...(full !== undefined ? { fullHandshakeMs: full } : {}),
    ...(resumed !== undefined ? { resumedHandshakeMs: resumed } : {}),
  };
}
