import { now } from '../clock.js';
import type { Socket } from 'node:net';

/**
 * Accept times of raw TCP sockets whose TLS handshake is still running, so the handshake duration
 * can be measured when the TLS socket becomes secure. Entries leave on secure or on close.
 */
export class PendingHandshakes {
  private readonly accepted = new WeakMap<Socket, { at: number; epoch: number }>();

  accept(raw: Socket): void {
    this.accepted.set(raw, { at: now(), epoch: Date.now() });
  }

  /** The accept time of the raw socket under a TLS socket (TLSSocket keeps it as `_parent`). */
  take(tlsSocket: Socket): { at: number; epoch: number } | undefined {
    const raw = (tlsSocket as Socket & { _parent?: Socket | null })._parent;
    if (!raw) return undefined;
    const t = this.accepted.get(raw);
    this.accepted.delete(raw);
    return t;
  }
}
