import type { Socket } from 'node:net';

/** Something that wants to hear when a traced socket closes (one per active tracer). */
export interface CloseWatcher {
  onSocketClose(socket: Socket): void;
}

const watchers = new Set<CloseWatcher>();
/** A WeakSet, not a flag on the socket: sockets keep their hidden class. */
const watched = new WeakSet<Socket>();

function onClose(this: Socket): void {
  for (const w of watchers) w.onSocketClose(this);
}

/**
 * Sockets outlive tracers (keep-alive pools), so instead of one 'close' listener per tracer per
 * socket — which would pile up across instrument()/stop() cycles — each socket gets at most one
 * shared listener that tells whichever tracers are active at close time.
 */
export function watchClose(socket: Socket): void {
  if (watched.has(socket)) return;
  watched.add(socket);
  socket.once('close', onClose);
}

export function addCloseWatcher(w: CloseWatcher): void {
  watchers.add(w);
}

export function removeCloseWatcher(w: CloseWatcher): void {
  watchers.delete(w);
}
