import http2 from 'node:http2';
import { syncBuiltinESMExports } from 'node:module';
import { now } from './clock.js';

/** `supplied`: the caller gave its own socket (`createConnection`), which may be established already. */
export type SessionHook = (session: http2.ClientHttp2Session, authority: string | URL, at: number, supplied: boolean) => void;
export type StreamHook = (session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream, headers: http2.OutgoingHttpHeaders | undefined, at: number) => void;

const sessionHooks = new Set<SessionHook>();
const streamHooks = new Set<StreamHook>();
const mod = http2 as { connect: (...args: any[]) => http2.ClientHttp2Session };
let originalConnect: ((...args: any[]) => http2.ClientHttp2Session) | undefined;
let connectWrapper: ((...args: any[]) => http2.ClientHttp2Session) | undefined;
let sessionProto: { request: (...args: any[]) => http2.ClientHttp2Stream } | undefined;
let originalRequest: ((...args: any[]) => http2.ClientHttp2Stream) | undefined;
let requestWrapper: ((...args: any[]) => http2.ClientHttp2Stream) | undefined;

/**
 * node:http2 publishes no client diagnostics channels on Node 20, so http2.connect is wrapped (and
 * ESM named exports re-synced) while a tracer is active, and ClientHttp2Session.prototype.request
 * is wrapped once the first session reveals that prototype. Wrappers call the original first and
 * return its result untouched.
 */
function patchRequest(session: http2.ClientHttp2Session): void {
  if (requestWrapper) return;
  const proto = Object.getPrototypeOf(session) as { request: (...args: any[]) => http2.ClientHttp2Stream };
  const orig = proto.request;
  sessionProto = proto;
  originalRequest = orig;
  requestWrapper = function request(this: http2.ClientHttp2Session, ...args: any[]) {
    if (streamHooks.size === 0) return orig.apply(this, args);
    const at = now();
    const stream = orig.apply(this, args);
    try {
      for (const h of streamHooks) h(this, stream, args[0], at);
    } catch {}
    return stream;
  };
  proto.request = requestWrapper;
}

function install(): void {
  if (connectWrapper && mod.connect === connectWrapper) return;
  const orig = mod.connect;
  originalConnect = orig;
  connectWrapper = function connect(this: unknown, ...args: any[]) {
    if (sessionHooks.size === 0 && streamHooks.size === 0) return orig.apply(this, args);
    const at = now();
    const session = orig.apply(this, args);
    try {
      patchRequest(session);
      const options = args[1] as { createConnection?: unknown } | undefined;
      const supplied = typeof options === 'object' && options !== null && typeof options.createConnection === 'function';
      for (const h of sessionHooks) h(session, args[0], at, supplied);
    } catch {}
    return session;
  };
  mod.connect = connectWrapper;
  syncBuiltinESMExports();
}

function uninstall(): void {
  if (sessionHooks.size || streamHooks.size) return;
  if (connectWrapper && mod.connect === connectWrapper && originalConnect) {
    mod.connect = originalConnect;
    connectWrapper = undefined;
    originalConnect = undefined;
    syncBuiltinESMExports();
  }
  if (requestWrapper && sessionProto && sessionProto.request === requestWrapper && originalRequest) {
    sessionProto.request = originalRequest;
    requestWrapper = undefined;
    originalRequest = undefined;
  }
}

export function addHttp2Hooks(onSession: SessionHook, onStream: StreamHook): void {
  sessionHooks.add(onSession);
  streamHooks.add(onStream);
  install();
}

export function removeHttp2Hooks(onSession: SessionHook, onStream: StreamHook): void {
  sessionHooks.delete(onSession);
  streamHooks.delete(onStream);
  uninstall();
}
