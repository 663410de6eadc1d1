import { OptionError } from '../../errors.js';

/**
 * The library names its options by key (`durationMs`, `connectTimeoutMs`); a CLI user typed a flag. This
 * map turns an OptionError from the library into the flag the user wrote, with the text they wrote.
 * One map for every subcommand: a key means the same flag everywhere.
 */
export const FLAG_OF_KEY: Readonly<Record<string, string>> = {
  requests: '--requests',
  concurrency: '--concurrency',
  durationMs: '--duration',
  rate: '--rate',
  warmupMs: '--warmup',
  method: '--request',
  client: '--client',
  connections: '--connections',
  idleTimeoutMs: '--idle-timeout',
  idleTimeoutMaxMs: '--idle-timeout',
  pipelining: '--pipelining',
  maxConcurrentStreams: '--max-concurrent-streams',
  tlsSessionCache: '--tls-session-cache',
  discardBody: '--discard-body',
  timeoutMs: '--timeout',
  connectTimeoutMs: '--connect-timeout',
  maxRequests: '--max-requests',
  clientIdleTimeoutMs: '--client-idle-timeout',
  tlsMin: '--tls-min',
  tlsMax: '--tls-max',
  alpn: '--alpn',
};

/**
 * Runs a library check and renames the option key of an OptionError it throws to the CLI flag; `given`
 * holds the raw text of each flag (by library key), shown instead of the converted value (`2h`, not 7200000).
 */
export function asFlags<T>(check: () => T, given: Readonly<Record<string, unknown>> = {}): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof OptionError && Object.hasOwn(FLAG_OF_KEY, err.option)) {
      const raw = given[err.option];
      throw new OptionError(FLAG_OF_KEY[err.option]!, typeof raw === 'string' ? raw : err.value, err.expected);
    }
    throw err;
  }
}
