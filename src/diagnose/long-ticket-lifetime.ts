import { finding, type Rule } from './engine.js';

/** The server lets clients resume a session for a long time: its ticket keys must live as long. */
export const longTicketLifetime: Rule = {
  id: 'long-ticket-lifetime',
  evaluate({ session, thresholds }) {
    const lifetime = session.facts.tls?.ticketLifetimeSec;
    if (lifetime === undefined || lifetime <= thresholds.longTicketLifetimeSec) return undefined;
    return finding('long-ticket-lifetime', {
      evidence: { ticketLifetimeSec: lifetime, thresholdSec: thresholds.longTicketLifetimeSec },
      fix: {
        summary: 'Session tickets are accepted for a long time, so the key that encrypts them must be kept that long: whoever obtains it can decrypt the traffic of TLS 1.2 sessions resumed by ticket (and TLS 1.3 0-RTT data) under it. A lifetime of hours, with keys rotated with overlap, keeps resumption and limits that window.',
        nodeHttp: 'nothing to set on the client',
        undici: 'nothing to set on the client',
        fetch: 'nothing to set on the client',
        server: 'Node: https.createServer({ sessionTimeout: 7200 }) (the hint it sends) and rotate ticketKeys with server.setTicketKeys; nginx: ssl_session_timeout 1h and rotated ssl_session_ticket_key files; Go: the 7-day lifetime is fixed in crypto/tls — rotate keys with tls.Config.SetSessionTicketKeys (Go rotates its automatic keys daily)',
      },
    });
  },
};
