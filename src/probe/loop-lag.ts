import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import { establishmentStalls, phaseStalls } from '../model/stall.js';
import { EventLoopSampler, type StallWindow } from '../trace/event-loop.js';

const INTERVAL_MS = 10;
/** Stalls remembered over one probe (an idle-timeout hold can last minutes). */
const RING = 10_000;

/**
 * The probe's view of its own event loop, over the whole probe (its tracer samples nothing itself):
 * the tracer's sampler, read once at the end to mark each request and connection with the stall
 * time inside its phases. A request whose phases overlap a stall measured the stall, not the server.
 */
export class LoopLagSampler {
  private readonly sampler = new EventLoopSampler({ intervalMs: INTERVAL_MS, blockedMs: 0, ring: RING });

  constructor() {
    this.sampler.start();
  }

  get maxDelayMs(): number {
    return this.sampler.maxLagMs;
  }

  /** Stalls of at least `minMs`, oldest first. */
  windows(minMs: number): StallWindow[] {
    return this.sampler.windows(minMs);
  }

  /** Marks each request (longest stall, per-phase stall time) and connection (stall inside establishment). */
  annotate(requests: RequestTrace[], connections: Iterable<ConnectionRecord>, blockedMs: number): void {
    for (const r of requests) {
      const stall = this.sampler.longest(r.startedAt, r.startedAt + r.phases.total);
      r.eventLoopDelayMs = Math.round(stall * 10) / 10;
      r.eventLoopBlocked = stall > blockedMs;
      const stalls = stall > 0 ? phaseStalls(r.phases, r.startedAt, this.sampler) : undefined;
      if (stalls) r.stalls = stalls;
    }
    for (const c of connections) {
      const stalls = establishmentStalls(c.establishment, c.openedAt, this.sampler);
      if (stalls) c.establishment = { ...c.establishment, stalls };
    }
  }

  stop(): void {
    this.sampler.stop();
  }
}
