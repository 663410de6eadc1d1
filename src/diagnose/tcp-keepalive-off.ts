import { finding, type Rule } from './engine.js';
import { idleTimeouts } from './idle-blackhole.js';

/** A connection idle this long with TCP keepalive off is at the mercy of every NAT and firewall timer. */
const LONG_IDLE_MS = 60_000;

/**
 * TCP keepalive probes keep NAT and firewall entries alive and detect dead peers. They only help
 * when they are on and start before the path forgets the flow: off, or an initial delay at or
 * above a drop seen on this path, is the finding.
 */
export const tcpKeepaliveOff: Rule = {
  id: 'tcp-keepalive-off',
  evaluate(ctx) {
    const { facts } = ctx.session;
    if (facts.tcpKeepAlive === undefined) return undefined;
    const dropMs = facts.idleBlackholeAfterMs ?? idleTimeouts(ctx.session.requests).minFailedIdleMs;
    let longestIdle = 0;
    for (const c of ctx.session.connections.values()) if (c.source !== 'server') longestIdle = Math.max(longestIdle, c.idle.maxMs);
    const delay = facts.tcpKeepAliveInitialDelayMs;
    const off = facts.tcpKeepAlive === false;
    const tooLate = !off && delay !== undefined && dropMs !== undefined && delay >= dropMs;
    const exposed = dropMs !== undefined || longestIdle >= LONG_IDLE_MS;
    if (!(off || tooLate) || !exposed) return undefined;
    const suggested = dropMs !== undefined ? Math.max(100, Math.floor(dropMs / 2)) : 30_000;
    return finding('tcp-keepalive-off', {
      evidence: {
        tcpKeepAlive: facts.tcpKeepAlive,
        initialDelayMs: delay ?? null,
        idleDropMs: dropMs === undefined ? null : Math.round(dropMs),
        longestIdleMs: Math.round(longestIdle),
      },
      fix: {
        summary: off
          ? `Turn TCP keepalive on for long-lived connections, first probe after ~${suggested} ms.`
          : `Start TCP keepalive probes before the path drops idle flows: initial delay ~${suggested} ms instead of ${delay} ms.`,
        nodeHttp: `new http.Agent({ keepAlive: true, keepAliveMsecs: ${suggested} }) (or socket.setKeepAlive(true, ${suggested}))`,
        undici: `new Agent({ connect: { keepAlive: true, keepAliveInitialDelay: ${suggested} } })`,
        fetch: `a shared dispatcher: new Agent({ connect: { keepAlive: true, keepAliveInitialDelay: ${suggested} } })`,
      },
    });
  },
};
