import type { ConnectionRecord } from '../model/connection.js';
import type { FindingFix } from '../model/finding.js';
import { finding, type Rule, type RuleContext } from './engine.js';
import type { FindingId } from './catalog.js';

type EstablishmentPhase = 'dns' | 'connect' | 'tls';

/** Shared shape of slow-dns / slow-connect / slow-tls: connection establishment phases over a threshold. */
export function slowPhaseRule(
  id: FindingId,
  phase: EstablishmentPhase,
  threshold: (ctx: RuleContext) => number,
  fix: FindingFix,
): Rule {
  return {
    id,
    evaluate(ctx) {
      const limit = threshold(ctx);
      const values: number[] = [];
      let slow = 0;
      for (const c of ctx.session.connections.values() as Iterable<ConnectionRecord>) {
        const v = c.establishment[phase];
        if (v === undefined) continue;
        values.push(v);
        if (v > limit) slow++;
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
        },
        fix,
      });
    },
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
