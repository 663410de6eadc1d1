import { createRequire } from 'node:module';
import { now } from './clock.js';

type DispatchFn = (this: object, opts: unknown, handler: object) => unknown;

/**
 * When a handler was handed to a Pool, for the handlers the Pool had to queue: a property on the
 * handler rather than a WeakMap entry. Under load most requests pass through the Pool's queue
 * (its clients are still busy when the next request arrives), and a WeakMap entry per request
 * costs GC ephemeron work; the property dies with the handler.
 */
const dispatchedAtKey = Symbol('connscope.pool-dispatched-at');
/** The property's value until the handler is known to have been queued (a double, like a time). */
const NOT_QUEUED = -0.5;

function markHandler(handler: object): boolean {
  try {
    (handler as Record<symbol, number>)[dispatchedAtKey] = NOT_QUEUED;
    return true;
  } catch {
    return false; // a frozen handler: its queue wait goes unmeasured
  }
}
let users = 0;
let proto: Record<symbol, DispatchFn> | undefined;
let key: symbol | undefined;
let original: DispatchFn | undefined;
let wrapper: DispatchFn | undefined;
let handlerKey: symbol | null | undefined;
/** Pools this wrapper has seen dispatch (weakly held, bounded) so snapshots find them unasked. */
const seenPools = new WeakSet<object>();
let poolRefs: WeakRef<object>[] = [];
const MAX_POOLS = 1_000;

/** The pool that dispatched last: an app's requests mostly go through one, so most dispatches skip the WeakSet. */
let lastPool: object | undefined;

function notePool(pool: object): void {
  lastPool = pool;
  if (!seenPools.has(pool)) rememberPool(pool);
}

function rememberPool(pool: object): void {
  seenPools.add(pool);
  if (poolRefs.length >= MAX_POOLS) poolRefs = poolRefs.filter((r) => r.deref() !== undefined);
  if (poolRefs.length < MAX_POOLS) poolRefs.push(new WeakRef(pool));
}

/** Live undici Pools (this package's copy) that dispatched while a tracer was active. */
export function knownPools(): object[] {
  const out: object[] = [];
  for (const r of poolRefs) {
    const p = r.deref();
    if (p && !(p as { destroyed?: boolean }).destroyed && !(p as { closed?: boolean }).closed) out.push(p);
  }
  return out;
}

/** Bumped by each `undici:request:create`: tells the wrapper whether the Pool created the request at once. */
let createdSeq = 0;

export function noteRequestCreated(): void {
  createdSeq++;
  if (waiting) installHook();
}

/**
 * This package's undici copy, if something in the process has loaded it: found in the module cache
 * through the same resolution an `import 'undici'` here would use (undici is CommonJS, so an ESM
 * import caches it there too). Never loads undici: importing the tracer stays as cheap as the process
 * that imports it, and a process that never loads undici has no Pool of it to hook.
 */
const requireHere = createRequire(import.meta.url);
let undiciPath: string | null | undefined;
function loadedPool(): { prototype: object } | undefined {
  if (undiciPath === undefined) {
    try {
      undiciPath = requireHere.resolve('undici');
    } catch {
      undiciPath = null; // bundled without undici beside it: nothing to hook
    }
  }
  if (undiciPath === null) return undefined;
  const pool = (requireHere.cache[undiciPath]?.exports as { Pool?: unknown } | undefined)?.Pool;
  return typeof pool === 'function' ? (pool as { prototype: object }) : undefined;
}

/** A tracer is active but undici was not loaded yet: retried on each `undici:request:create`. */
let waiting = false;

/**
 * undici creates a Request (and publishes `undici:request:create`) only when a Pool hands the
 * request to one of its clients; while every client is busy the Pool keeps it in its own queue,
 * invisibly to the channels. To measure that wait (the `blocked` phase) the Pool's internal
 * dispatch of this package's undici copy is wrapped to remember when each handler arrived.
 * Node's bundled undici (fetch's default dispatcher) cannot be reached; its pools have no
 * connection limit, so they do not queue.
 */
export function hookUndiciPoolQueue(): void {
  users++;
  installHook();
}

/**
 * Wraps the Pool's dispatch once undici is loaded. A Pool queues a request only while all of its
 * clients are busy with earlier ones, whose creation published `undici:request:create`: hooking on
 * that message (at the latest) is in time for the first request that can queue.
 */
function installHook(): void {
  if (wrapper || users === 0) {
    waiting = false;
    return;
  }
  const Pool = loadedPool();
  waiting = Pool === undefined;
  if (!Pool) return;
  const p = Object.getPrototypeOf(Pool.prototype) as Record<symbol, DispatchFn>;
  const k = Object.getOwnPropertySymbols(p).find((s) => s.description === 'dispatch');
  if (!k || typeof p[k] !== 'function') return;
  const orig = p[k]!;
  proto = p;
  key = k;
  original = orig;
  wrapper = function dispatch(this: object, opts: unknown, handler: object) {
    if (users === 0) return orig.call(this, opts, handler);
    if (this !== lastPool) notePool(this);
    const seq = createdSeq;
    // Written for every handler, and before the Pool sees it, so all handlers keep one shape from
    // the moment undici's Request stores them: a handler that gained the property afterwards left
    // its old shape unstable, and the Request constructor's store of it went megamorphic.
    const slot = handler !== null && typeof handler === 'object' && markHandler(handler);
    const result = orig.call(this, opts, handler);
    // Only a request the Pool had to queue needs remembering, and only then is the clock read
    // (microseconds after the dispatch began): the common case costs a comparison.
    if (slot && seq === createdSeq) (handler as Record<symbol, number>)[dispatchedAtKey] = now();
    return result;
  };
  p[k] = wrapper;
}

export function unhookUndiciPoolQueue(): void {
  users = Math.max(0, users - 1);
  if (users === 0) {
    waiting = false;
    lastPool = undefined;
  }
  if (users > 0 || !wrapper || !proto || !key || !original) return;
  if (proto[key] === wrapper) {
    proto[key] = original;
    wrapper = undefined;
    original = undefined;
  }
}

/** When the request's handler reached a Pool (earlier than request creation if it queued there). */
export function poolDispatchTime(request: object): number | undefined {
  if (handlerKey === undefined) {
    handlerKey = Object.getOwnPropertySymbols(request).find((s) => s.description === 'handler') ?? null;
  }
  if (!handlerKey) return undefined;
  const handler = (request as Record<symbol, unknown>)[handlerKey];
  if (!handler || typeof handler !== 'object') return undefined;
  const at = (handler as Record<symbol, number | undefined>)[dispatchedAtKey];
  return at !== undefined && at >= 0 ? at : undefined;
}
