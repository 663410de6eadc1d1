import type { Socket } from 'node:net';
import { socketAddresses } from './socket-address.js';
import type { TLSSocket } from 'node:tls';
import { newIdleStats, type ConnectionRecord, type Protocol, type SourceKind } from '../model/connection.js';
import { establishmentFromMarks, type EstablishmentMarks } from '../model/establishment.js';
import { epochOf } from './clock.js';
import { establishmentStalls, type StallLog } from '../model/stall.js';
import { threadpoolSize } from './threadpool.js';
import { requestedOcsp, tlsInfoOf } from './tls-info.js';

/** Establishment marks of one connection (model/establishment.ts), plus what only the tracer sees. */
export interface ConnectionMarks extends EstablishmentMarks {
  /** Threadpool work in flight right after the lookup was issued (threadpool.ts), this lookup included. */
  poolTasks?: number;
}

/** What the tracer remembers about one live connection; holds no reference to the socket. */
export interface ConnectionState {
  record: ConnectionRecord;
  marks: ConnectionMarks;
  /** We saw the connection being created (so its establishment phases are ours to report). */
  seenFromStart: boolean;
  /** `connection` event emitted. */
  announced: boolean;
  /** Requests assigned so far (index of the next one is assigned + 1). */
  assigned: number;
  inflight: number;
  /** node:http: its socket has the shared 'free' listener that ends counted requests (http-socket-watch.ts). */
  freeWatched: boolean;
  /** When the connection last became idle (end of its last request). */
  idleSince?: number;
  /** The last response said `Connection: close`. */
  serverAskedClose?: boolean;
  /** The last request said `Connection: close`. */
  clientAskedClose?: boolean;
  /** Set when the protocol told us why it will close (h2 GOAWAY). */
  closeHint?: 'goaway';
  ocspStapled?: boolean;
  /** Connection-relevant headers of the last response, shared by requests while unchanged. */
  lastResponseHeaders?: { connection?: string; keepAlive?: string };
}

export function newConnectionState(init: {
  id: string;
  origin: string;
  source: SourceKind;
  poolId?: string;
  protocol?: Protocol;
  created: number;
  seenFromStart: boolean;
}): ConnectionState {
  const record: ConnectionRecord = {
    id: init.id,
    origin: init.origin,
    source: init.source,
    protocol: init.protocol ?? 'http/1.1',
    openedAt: init.created,
    openedAtEpoch: epochOf(init.created),
    establishment: { total: 0 },
    requests: 0,
    idle: newIdleStats(),
  };
  if (init.poolId) record.poolId = init.poolId;
  return { record, marks: { created: init.created }, seenFromStart: init.seenFromStart, announced: false, assigned: 0, inflight: 0, freeWatched: false };
}

/** Copies addresses, protocol and TLS facts from an established socket onto the record. */
export function describeSocket(state: ConnectionState, socket: Socket): void {
  const r = state.record;
  // read from the handle: socket.remoteAddress would cache it on the socket and change its shape (socket-address.ts)
  const a = socketAddresses(socket);
  if (a.remoteAddress) r.remoteAddress = a.remoteAddress;
  if (a.remotePort) r.remotePort = a.remotePort;
  if (a.localAddress) r.localAddress = a.localAddress;
  if (a.localPort) r.localPort = a.localPort;
  const tlsSocket = socket as TLSSocket;
  if (tlsSocket.encrypted) {
    r.tls = tlsInfoOf(tlsSocket, requestedOcsp(tlsSocket) ? (state.ocspStapled ?? false) : undefined);
    if (tlsSocket.alpnProtocol === 'h2') r.protocol = 'h2';
  }
}

/**
 * Finalises establishment phases from the marks collected so far, with the event-loop stall inside
 * them (when the loop is sampled) and the threadpool seen when the lookup was issued.
 */
export function settleEstablishment(state: ConnectionState, stalls?: StallLog): void {
  if (!state.seenFromStart) return;
  const e = establishmentFromMarks(state.marks);
  if (stalls) {
    const s = establishmentStalls(e, state.marks.created, stalls);
    if (s) e.stalls = s;
  }
  if (e.dns !== undefined && state.marks.poolTasks !== undefined) e.threadpool = { tasks: state.marks.poolTasks, size: threadpoolSize() };
  state.record.establishment = e;
}
