import { syncBuiltinESMExports } from 'node:module';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { now } from './clock.js';
import type { ConnectionMarks } from './connection-state.js';

/** What a TLS client socket went through before anyone handed it to an http2 session. */
export interface SocketHistory {
  marks: ConnectionMarks;
  /** 'OCSPResponse' seen (only listened for when the socket asked for stapling). */
  ocspStapled?: boolean;
}

type Connect = (...args: any[]) => tls.TLSSocket;

const mod = tls as unknown as { connect: Connect };
/** Keyed by socket, not stored on it: TLSSocket objects keep their hidden class. */
const histories = new WeakMap<tls.TLSSocket, SocketHistory>();
let users = 0;
let originalConnect: Connect | undefined;
let connectWrapper: Connect | undefined;

/** Whether an ALPNProtocols option offers h2 (array of strings / buffers, or one wire-format buffer). */
function offersH2(alpn: unknown): boolean {
  if (Array.isArray(alpn)) return alpn.some((p) => String(typeof p === 'string' ? p : Buffer.from(p as Uint8Array).toString('latin1')) === 'h2');
  if (alpn instanceof Uint8Array) {
    for (let i = 0; i < alpn.length; i += 1 + alpn[i]!) {
      if (alpn[i] === 2 && alpn[i + 1] === 0x68 && alpn[i + 2] === 0x32) return true;
    }
  }
  return false;
}

// Shared listeners that find their history through `this`: a socket costs no closures.
function onLookup(this: tls.TLSSocket, err: Error | null): void {
  const h = histories.get(this);
  if (h && !err) h.marks.dnsEnd = now();
}
function onConnect(this: tls.TLSSocket): void {
  const h = histories.get(this);
  if (h) h.marks.connectEnd = now();
}
function onSecure(this: tls.TLSSocket): void {
  const h = histories.get(this);
  if (h) h.marks.tlsEnd = now();
}
function onOcsp(this: tls.TLSSocket, resp: Buffer | undefined): void {
  const h = histories.get(this);
  if (h) h.ocspStapled = Boolean(resp && resp.length);
}

interface ConnectOptions {
  ALPNProtocols?: unknown;
  requestOCSP?: boolean;
  socket?: unknown;
  host?: string;
  path?: string;
}

/** Whether the socket resolves a host name first (tls.connect(port, host, …) or options.host). */
function looksUp(args: unknown[], options: ConnectOptions): boolean {
  // tls.connect(path, …) and options.path are IPC: nothing to resolve.
  if (options.socket || options.path || (typeof args[0] === 'string' && !/^\d+$/.test(args[0]))) return false;
  const host = typeof args[1] === 'string' ? args[1] : options.host ?? 'localhost';
  return isIP(host.replace(/^\[|\]$/g, '')) === 0;
}

function remember(socket: tls.TLSSocket, args: unknown[], options: ConnectOptions, created: number): void {
  // lookup: a connection that fails before 'lookup' charges its time to dns (chargeEstablishment, model/establishment.ts).
  histories.set(socket, { marks: { created, handshake: true, lookup: looksUp(args, options) } });
  // Over a caller's own transport (options.socket) there is no lookup or connect of ours to time.
  if (!options.socket) {
    socket.once('lookup', onLookup);
    socket.once('connect', onConnect);
  }
  if (options.requestOCSP) socket.once('OCSPResponse', onOcsp);
  socket.once('secureConnect', onSecure);
}

/**
 * Libraries that manage their own HTTP/2 connections (got's http2-wrapper) call tls.connect
 * themselves, often let the handshake finish (to learn the ALPN), and only then hand the socket to
 * `http2.connect(origin, { createConnection })`: by then its lookup, connect and secureConnect are
 * past and cannot be listened for. So while an http2 tracer is active tls.connect is wrapped, and a
 * socket offering h2 in ALPN (no other socket can carry an h2 session over TLS) gets passive
 * listeners timing its own establishment. The wrapper calls the original first and returns its
 * result untouched; an original that throws throws to the caller as before.
 */
function install(): void {
  if (connectWrapper && mod.connect === connectWrapper) return;
  const orig = mod.connect;
  originalConnect = orig;
  connectWrapper = function connect(this: unknown, ...args: any[]) {
    const created = now();
    const socket = orig.apply(this, args);
    if (users === 0) return socket;
    try {
      const options = (args.find((a) => a !== null && typeof a === 'object') ?? {}) as ConnectOptions;
      if (offersH2(options.ALPNProtocols)) remember(socket, args, options, created);
    } catch {}
    return socket;
  };
  mod.connect = connectWrapper;
  syncBuiltinESMExports();
}

function uninstall(): void {
  if (users > 0) return;
  if (connectWrapper && mod.connect === connectWrapper && originalConnect) {
    mod.connect = originalConnect;
    connectWrapper = undefined;
    originalConnect = undefined;
    syncBuiltinESMExports();
  }
}

export function addTlsConnectHook(): void {
  users++;
  install();
}

export function removeTlsConnectHook(): void {
  users = Math.max(0, users - 1);
  uninstall();
}

/** The establishment history of a socket tls.connect made while the hook was on. */
export function socketHistory(socket: object): SocketHistory | undefined {
  return histories.get(socket as tls.TLSSocket);
}
