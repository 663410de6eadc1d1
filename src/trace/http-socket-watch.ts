import type { Socket } from 'node:net';

/** A node:http client tracer's handler for its sockets' 'free' (http-client.ts). */
export interface HttpSocketHandlers {
  /** The socket's request is done with it (kept alive): Node's emitFreeNT, right after the request's 'close'. */
  free(socket: Socket): void;
}

/** Copy-on-write: iterated on every request, changed when a tracer starts or stops. */
let handlers: HttpSocketHandlers[] = [];
/** A WeakSet, not a flag on the socket: sockets keep their hidden class. */
const watched = new WeakSet<Socket>();

function onFree(this: Socket): void {
  const list = handlers;
  for (let i = 0; i < list.length; i++) list[i]!.free(this);
}

/**
 * Ends counted requests without a listener per request: a node:http client socket gets, once (when
 * its first counted request starts), a shared 'free' listener (first in line, so the socket still names its finished request in
 * `_httpMessage`, before the Agent hands it on). Node emits 'free' on a kept-alive socket when its
 * request is done, so a request costs no listener add and no listener list on the request. (Its
 * close is heard through socket-close.ts's shared listener.) Shared like that one: sockets outlive
 * tracers, and listeners must not pile up across instrument()/stop() cycles.
 */
export function watchHttpSocket(socket: Socket): void {
  if (watched.has(socket)) return;
  watched.add(socket);
  socket.prependListener('free', onFree);
}

export function addHttpSocketHandlers(h: HttpSocketHandlers): void {
  if (!handlers.includes(h)) handlers = [...handlers, h];
}

export function removeHttpSocketHandlers(h: HttpSocketHandlers): void {
  handlers = handlers.filter((x) => x !== h);
}
