import type { Http1Client, RequestSpec } from './http1-client.js';
import type { Deadline } from './deadline.js';
import { sleep } from './deadline.js';

export interface MaxRequestsCount {
  /** Requests the first connection served before the server closed it; null when it never closed. */
  perConnection: number | null;
  /** Requests sent in total. */
  sent: number;
  /** The cap was reached with the connection still open. */
  reachedCap: boolean;
}

/** Gap between requests so a FIN sent right after a response lands before the next request goes out. */
const GAP_MS = 3;

/** Sends sequential requests over one keep-alive connection until the server closes it (or `cap`). */
export async function countMaxRequests(client: Http1Client, spec: RequestSpec, cap: number, deadline: Deadline, signal?: AbortSignal): Promise<MaxRequestsCount> {
  let firstId: string | undefined;
  let served = 0;
  let sent = 0;
  while (sent < cap && !deadline.expired() && !signal?.aborted) {
    const ex = await client.request({ ...spec, timeoutMs: deadline.limit(spec.timeoutMs) });
    sent++;
    const id = ex.trace.connectionId;
    firstId ??= id;
    if (id !== firstId) return { perConnection: served, sent, reachedCap: false };
    if (ex.error) {
      // the first connection died under a request: it served what it had served
      return served > 0 ? { perConnection: served, sent, reachedCap: false } : { perConnection: null, sent, reachedCap: false };
    }
    served++;
    await sleep(GAP_MS);
    if (firstId && !client.isOpen(firstId)) return { perConnection: served, sent, reachedCap: false };
  }
  return { perConnection: null, sent, reachedCap: sent >= cap };
}
