import http from 'node:http';
import { now } from './clock.js';

/** How the agent handled a request at addRequest time. */
export type Placement = 'reused' | 'new' | 'queued';

export type AddRequestHook = (agent: http.Agent, req: http.ClientRequest, options: { host?: string; port?: number | string; servername?: string }, at: number, placement: Placement) => void;

/** An array, not a Set: iterated on every request, and array iteration allocates nothing. */
let hooks: AddRequestHook[] = [];
const proto = http.Agent.prototype as http.Agent & { addRequest: (...args: any[]) => unknown };
let original: ((...args: any[]) => unknown) | undefined;
let wrapper: ((...args: any[]) => unknown) | undefined;

/**
 * The only patch the http source makes: Agent.prototype.addRequest is wrapped (while a tracer is
 * active) to learn when a request was created and whether it got a free socket, a new one, or had
 * to queue — the `http.client.request.start` channel fires only after a socket is assigned, which
 * would hide pool queueing. The wrapper calls the original first and never changes its result.
 */
export function addAgentHook(hook: AddRequestHook): void {
  if (!hooks.includes(hook)) hooks = [...hooks, hook];
  if (wrapper && proto.addRequest === wrapper) return;
  const orig = proto.addRequest;
  original = orig;
  // Fixed parameters (the legacy signature has four): no rest array per request.
  wrapper = function addRequest(this: http.Agent, req: http.ClientRequest, options: any, port?: unknown, localAddress?: unknown) {
    if (hooks.length === 0) return orig.call(this, req, options, port, localAddress);
    const at = now();
    const before = (this as { totalSocketCount?: number }).totalSocketCount ?? 0;
    const result = orig.call(this, req, options, port, localAddress);
    try {
      const placement: Placement = req.reusedSocket ? 'reused' : ((this as { totalSocketCount?: number }).totalSocketCount ?? 0) > before ? 'new' : 'queued';
      const opts = typeof options === 'object' && options !== null ? options : { host: options, port };
      for (let i = 0; i < hooks.length; i++) hooks[i]!(this, req, opts, at, placement);
    } catch {}
    return result;
  };
  proto.addRequest = wrapper;
}

export function removeAgentHook(hook: AddRequestHook): void {
  hooks = hooks.filter((h) => h !== hook);
  // Restore only if nobody wrapped on top of us; otherwise the wrapper stays as a pass-through.
  if (hooks.length === 0 && wrapper && proto.addRequest === wrapper && original) {
    proto.addRequest = original;
    wrapper = undefined;
    original = undefined;
  }
}
