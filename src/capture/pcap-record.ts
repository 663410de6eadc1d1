import type { ConnectionRecord } from '../model/connection.js';

/** What a capture shows about a connection beyond the shared model (all times in ms from the capture start). */
export interface PcapConnectionInfo {
  client: string;
  server: string;
  /** How client and server were told apart: the SYN, who spoke TLS/HTTP first, or the port numbers. */
  rolesFrom: 'syn' | 'content' | 'port';
  app: 'tls' | 'http' | 'other' | 'none';
  packets: number;
  synAt?: number;
  synAckAt?: number;
  ackAt?: number;
  /** SYN → ACK of the SYN/ACK: one network round trip, wherever the capture was taken. */
  rttMs?: number;
  durationMs: number;
  /** The capture started after the SYN. */
  midstream: boolean;
  retransmissions: { client: number; server: number };
  outOfOrder: { client: number; server: number };
  /** Places where bytes were missing from the capture. */
  gaps: { client: number; server: number };
  firstClose?: { side: 'client' | 'server'; flag: 'FIN' | 'RST'; at: number };
  /** Idle time between the last payload and the first FIN/RST. */
  idleBeforeCloseMs?: number;
  /** Client bursts of application data (requests, when they cannot be read). */
  turns: number;
  /** requests counts turns (encrypted traffic), not parsed requests. */
  requestsEstimated: boolean;
  /** The client sent data after the server's FIN (it reused a connection the server had closed). */
  clientDataAfterServerClose: boolean;
  /** How long that connection had been idle when the client reused it. */
  reuseIdleAfterServerCloseMs?: number;
  tls?: PcapTlsInfo;
  /** An unexpected failure in a payload parser (the TCP facts still stand). */
  parserError?: string;
}

export interface PcapTlsInfo {
  /** ClientHello messages (2 after a HelloRetryRequest). */
  handshakes: number;
  sni?: string;
  legacyVersion?: number;
  offeredVersions: number[];
  selectedVersion?: number;
  cipherId?: number;
  alpnOffered: string[];
  /** ALPN the server chose, when visible (TLS <= 1.2; TLS 1.3 encrypts it). */
  alpn?: string;
  groups: number[];
  keyShareGroups: number[];
  sessionIdLength: number;
  sessionTicketOffered: boolean;
  ticketPresented: boolean;
  pskOffered: boolean;
  pskAccepted: boolean;
  earlyDataOffered: boolean;
  helloRetry: boolean;
  helloRetryGroup?: number;
  /** TLS <= 1.2: the server echoed the client's session id (resumed by session id or ticket). */
  sessionIdEchoed: boolean;
  abbreviated: boolean;
  resumptionAttempted: boolean;
  resumed: boolean;
  /** ClientHello → first client application data. */
  handshakeMs?: number;
  alert?: { from: 'client' | 'server'; level: number; description: number };
  unparsable?: string;
}

/** A ConnectionRecord from a capture (source 'pcap'), with the capture's own detail under `pcap`. */
export type PcapConnectionRecord = ConnectionRecord & { pcap: PcapConnectionInfo };
