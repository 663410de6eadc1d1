/**
 * What Node lets a process see of its libuv threadpool. dns.lookup() runs getaddrinfo there, next to
 * fs requests, crypto (pbkdf2, scrypt, randomFill …) and zlib jobs; UV_THREADPOOL_SIZE threads (default
 * 4) serve them in order. process.getActiveResourcesInfo() names the in-flight getaddrinfo /
 * getnameinfo lookups and fs requests; crypto and zlib jobs do not appear in it, so the count is a
 * lower bound of the pool's queue. No API tells when a queued task started running.
 */

/** Resource names of threadpool work that getActiveResourcesInfo() reports. */
const POOL_WORK = new Set(['GetAddrInfoReqWrap', 'GetNameInfoReqWrap', 'FSReqCallback', 'FSReqPromise']);

/** libuv's bounds for UV_THREADPOOL_SIZE (a value of 0 counts as 1). */
const MAX_SIZE = 1024;

let size: number | undefined;

/** UV_THREADPOOL_SIZE as libuv applies it (read once: libuv reads it when the pool first starts). */
export function threadpoolSize(): number {
  if (size !== undefined) return size;
  const n = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  size = Number.isFinite(n) ? Math.min(MAX_SIZE, Math.max(1, n)) : 4;
  return size;
}

/**
 * Threadpool tasks in flight that Node reports. Called once per new connection that resolves a
 * host name (never per request): a few microseconds, linear in the process's open handles.
 */
export function threadpoolTasks(): number {
  let n = 0;
  for (const r of process.getActiveResourcesInfo()) if (POOL_WORK.has(r)) n++;
  return n;
}
