import type { Scenario } from '../scenario.js';
import { alpnMismatch } from './alpn-mismatch.js';
import { connectionClose } from './connection-close.js';
import { eventLoopBlocked } from './event-loop-blocked.js';
import { h2Goaway } from './h2-goaway.js';
import { h2StreamLimit } from './h2-stream-limit.js';
import { idleBlackhole } from './idle-blackhole.js';
import { keepaliveRace } from './keepalive-race.js';
import { lbIdleMismatch } from './lb-idle-mismatch.js';
import { longChain } from './long-chain.js';
import { noKeepalive } from './no-keepalive.js';
import { pipeliningClose } from './pipelining-close.js';
import { poolTooSmall } from './pool-too-small.js';
import { ticketRotation } from './ticket-rotation.js';
import { unreadBody } from './unread-body.js';

/** Every scenario, in the order `lab --all` runs them. */
export const SCENARIOS: readonly Scenario[] = [
  keepaliveRace,
  lbIdleMismatch,
  connectionClose,
  unreadBody,
  poolTooSmall,
  noKeepalive,
  ticketRotation,
  longChain,
  alpnMismatch,
  idleBlackhole,
  h2Goaway,
  h2StreamLimit,
  pipeliningClose,
  eventLoopBlocked,
];
