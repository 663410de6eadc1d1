import crypto from 'node:crypto';
import { handshake, type HandshakeResult } from './handshake.js';
import type { ClientTls } from './http1-client.js';
import type { Target } from './target.js';
import { sessionFacts } from './tls-session.js';
import type { VersionSupport } from './tls-versions.js';

export interface Tls12Resumption {
  /** Resumed a session offered by its id alone (the client sent no ticket extension: SSL_OP_NO_TICKET). */
  sessionId: boolean | null;
  /** The server issued a session ticket. */
  ticketIssued: boolean;
  /** Resumed the session offered with its ticket; null when no ticket was issued. */
  ticket: boolean | null;
  ticketLifetimeSec: number | null;
}

export interface Tls13Resumption {
  /** The server sent a NewSessionTicket after the handshake. */
  ticketIssued: boolean;
  /** Resumed by PSK (the ticket offered back); null when no ticket was issued. */
  psk: boolean | null;
  ticketLifetimeSec: number | null;
}

/** A full handshake and the resumption of its session, both bare and made after the process's first handshakes. */
export interface HandshakePair {
  version: 'TLSv1.2' | 'TLSv1.3';
  fullMs: number | null;
  resumed: boolean;
  resumedMs: number | null;
  /** How the resumed handshake resumed. */
  mechanism: 'psk' | 'ticket' | 'session-id' | null;
  ticketLifetimeSec: number | null;
}

export interface ResumptionKinds {
  /** null: the server does not accept the version, or its full handshake failed. */
  tls12: Tls12Resumption | null;
  tls13: Tls13Resumption | null;
  /** The pair at the version the request series negotiated: what the full vs resumed comparison reports. */
  pair: HandshakePair | null;
}

const NO_TICKET = crypto.constants.SSL_OP_NO_TICKET;

/**
 * How the server resumes, per version it accepts: TLS 1.3 by PSK (its ticket), TLS 1.2 by ticket and by session id.
 * A Node client forces each: with tickets it offers the ticket; with SSL_OP_NO_TICKET it sends no ticket extension,
 * the server issues none, and only the session id is left to resume by. Each check is a full handshake, then one
 * offering its session; nothing is written on either.
 */
export async function checkResumptionKinds(
  target: Target,
  base: ClientTls,
  versions: VersionSupport,
  seriesVersion: string | undefined,
  timeoutMs: () => number,
  stopped: () => boolean = () => false,
): Promise<ResumptionKinds> {
  const out: ResumptionKinds = { tls12: null, tls13: null, pair: null };
  const at = (v: 'TLSv1.2' | 'TLSv1.3'): ClientTls => ({ ...base, minVersion: v, maxVersion: v, ALPNProtocols: undefined });
  if (versions['TLSv1.3'] && !stopped()) {
    const t = await fullThenResumed(target, at('TLSv1.3'), timeoutMs);
    if (t) {
      out.tls13 = { ticketIssued: t.ticket, psk: t.ticket ? t.resumed : null, ticketLifetimeSec: t.lifetime };
      if (seriesVersion === 'TLSv1.3') out.pair = pairOf('TLSv1.3', t, t.resumed ? 'psk' : null);
    }
  }
  if (versions['TLSv1.2'] && !stopped()) {
    const withTicket = await fullThenResumed(target, at('TLSv1.2'), timeoutMs);
    const idOnly = withTicket && !stopped() ? await fullThenResumed(target, at('TLSv1.2'), timeoutMs, NO_TICKET) : undefined;
    if (withTicket) {
      out.tls12 = {
        sessionId: idOnly ? idOnly.resumed : null,
        ticketIssued: withTicket.ticket,
        ticket: withTicket.ticket ? withTicket.resumed : null,
        ticketLifetimeSec: withTicket.lifetime,
      };
      // what Node's https.Agent does: offer the cached session with its ticket when there is one
      const mechanism = !withTicket.resumed ? null : withTicket.ticket ? 'ticket' : 'session-id';
      if (seriesVersion === 'TLSv1.2') out.pair = pairOf('TLSv1.2', withTicket, mechanism);
    }
  }
  return out;
}

interface Attempt {
  full: HandshakeResult;
  resumedHandshake: HandshakeResult | undefined;
  resumed: boolean;
  ticket: boolean;
  lifetime: number | null;
}

async function fullThenResumed(target: Target, tls: ClientTls, timeoutMs: () => number, secureOptions?: number): Promise<Attempt | undefined> {
  const extras = secureOptions !== undefined ? { secureOptions } : {};
  const full = await handshake(target, tls, timeoutMs(), { ...extras, ticketWaitMs: timeoutMs() });
  if (!full.ok) return undefined;
  const facts = full.session ? sessionFacts(full.session) : null;
  const resumedHandshake = full.session ? await handshake(target, tls, timeoutMs(), { ...extras, session: full.session }) : undefined;
  return {
    full,
    resumedHandshake,
    resumed: Boolean(resumedHandshake?.ok && resumedHandshake.info?.resumed),
    ticket: facts?.ticket ?? false,
    lifetime: facts?.ticketLifetimeSec ?? null,
  };
}

function pairOf(version: HandshakePair['version'], a: Attempt, mechanism: HandshakePair['mechanism']): HandshakePair {
  return {
    version,
    fullMs: a.full.handshakeMs ?? null,
    resumed: a.resumed,
    resumedMs: a.resumed ? (a.resumedHandshake?.handshakeMs ?? null) : null,
    mechanism,
    ticketLifetimeSec: a.lifetime,
  };
}
