import type { ConnectionRecord } from '../model/connection.js';
import type { FindingFix } from '../model/finding.js';
import { ownTime } from '../model/stall.js';
import { finding, type Rule, type RuleContext } from './engine.js';
import type { FindingId } from './catalog.js';

type EstablishmentPhase = 'dns' | 'connect' | 'tls';

/** Connections a rule leaves to another cause (a lookup queued in the threadpool is not a slow resolver). */
export interface Excluded {
  /** Evidence key counting the slow connections left out. */
  key: string;
  test: (c: ConnectionRecord) => boolean;
}

/**
 * Shared shape of slow-dns / slow-connect / slow-tls: connection establishment phases over a threshold.
 * A phase is judged by its own time, its wall time less the event-loop stall inside it (model/stall.ts):
 * a connect that took 200 ms because the loop ran no callback for 195 of them is event-loop-blocked's
 * to report, not a slow network.
 */
export function slowPhaseRule(
  id: FindingId,
  phase: EstablishmentPhase,
  threshold: (ctx: RuleContext) => number,
  fix: FindingFix,
  excluded?: Excluded,
): Rule {
  return {
    id,
    evaluate(ctx) {
      const limit = threshold(ctx);
      const values: number[] = [];
      let slow = 0;
      let stalled = 0;
      let left = 0;
      for (const c of ctx.session.connections.values() as Iterable<ConnectionRecord>) {
        const wall = c.establishment[phase];
        if (wall === undefined) continue;
        const own = ownTime(wall, c.establishment.stalls?.[phase]);
        values.push(own);
        if (own <= limit) {
          if (wall > limit) stalled++;
        } else if (excluded?.test(c)) {
          left++;
        } else {
          slow++;
        }
      }
      if (slow === 0) return undefined;
      values.sort((a, b) => a - b);
      return finding(id, {
        evidence: {
          thresholdMs: limit,
          slowConnections: slow,
          connections: values.length,
          maxMs: round(values[values.length - 1]!),
          medianMs: round(values[Math.floor(values.length / 2)]!),
          explainedByLoopStalls: stalled,
          ...(excluded ? { [excluded.key]: left } : {}),
        },
        fix,
      });
    },
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
