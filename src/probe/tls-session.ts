import { derChildren, derUint, derUnwrap } from './der.js';

/** What a client-side TLS session (Node's 'session' event, tlsSocket.getSession()) says about the server's offer. */
export interface SessionFacts {
  /** The server issued a session ticket (TLS 1.2 NewSessionTicket, or a TLS 1.3 ticket/PSK identity). */
  ticket: boolean;
  /** ticket_lifetime_hint of the NewSessionTicket, in seconds; absent without a ticket (TLS 1.2: 0 means "unspecified"). */
  ticketLifetimeSec?: number;
}

/**
 * Node hands out sessions as OpenSSL's i2d_SSL_SESSION() DER (ssl/ssl_asn1.c, stable since OpenSSL 1.1.1): a
 * SEQUENCE whose optional fields are context-tagged, [9] the ticket lifetime hint and [10] the ticket itself.
 * Node has no other API for the lifetime hint (getTLSTicket() is the ticket bytes, TLS 1.2 only).
 */
const LIFETIME_HINT = 0xa9;
const TICKET = 0xaa;

/** Reads the ticket and its lifetime hint from a serialized session; null when the bytes are not such a session. */
export function sessionFacts(session: Buffer): SessionFacts | null {
  const seq = derUnwrap(session, 0x30);
  const fields = seq && derChildren(seq);
  if (!fields) return null;
  const out: SessionFacts = { ticket: false };
  for (const f of fields) {
    if (f.tag === TICKET) {
      const inner = derUnwrap(f.content, 0x04);
      out.ticket = Boolean(inner && inner.length > 0);
    } else if (f.tag === LIFETIME_HINT) {
      const inner = derUnwrap(f.content, 0x02);
      const n = inner ? derUint(inner) : null;
      if (n !== null) out.ticketLifetimeSec = n;
    }
  }
  if (!out.ticket) delete out.ticketLifetimeSec;
  return out;
}
