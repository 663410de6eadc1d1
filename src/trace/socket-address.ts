import type { Socket } from 'node:net';

export interface SocketAddresses {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}

interface AddressOut {
  address?: string;
  port?: number;
}

interface AddressHandle {
  getpeername?(out: AddressOut): number;
  getsockname?(out: AddressOut): number;
}

/**
 * A socket's two ends, read from its handle without touching the socket. `socket.remoteAddress`
 * and `localPort` cache what they read on the socket (`_peername`, `_sockname`): a property added
 * after the socket was made gives it a hidden class of its own, and Node's and undici's hot stream
 * code (every write, every `destroyed` check) then sees more socket shapes than it can inline and
 * goes megamorphic — measured at about 2,000 instructions per request for an undici client
 * (docs/run.md "Cost per level"). A socket without such a handle (a test double, a socket whose
 * handle is gone) is read the ordinary way.
 */
export function socketAddresses(socket: Socket): SocketAddresses {
  const handle = (socket as unknown as { _handle?: AddressHandle | null })._handle;
  const out: SocketAddresses = {};
  if (handle && typeof handle.getpeername === 'function' && typeof handle.getsockname === 'function' && !socket.connecting) {
    const peer: AddressOut = {};
    if (handle.getpeername(peer) === 0) {
      out.remoteAddress = peer.address;
      out.remotePort = peer.port;
    }
    const local: AddressOut = {};
    if (handle.getsockname(local) === 0) {
      out.localAddress = local.address;
      out.localPort = local.port;
    }
    return out;
  }
  out.remoteAddress = socket.remoteAddress;
  out.remotePort = socket.remotePort;
  out.localAddress = socket.localAddress;
  out.localPort = socket.localPort;
  return out;
}
