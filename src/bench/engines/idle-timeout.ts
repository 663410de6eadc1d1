/**
 * The idle timeout a client really applies once it has seen the server's `Keep-Alive: timeout=N`
 * hint: undici uses min(hint − keepAliveTimeoutThreshold, keepAliveMaxTimeout); Node's http.Agent
 * (Node ≥ 20) uses min(hint − 1 s, its own timeout). Without a hint each uses its configured value.
 */
export function effectiveIdleTimeout(
  client: 'undici' | 'fetch' | 'http',
  configuredMs: number | undefined,
  hintMs: number | undefined,
): number | undefined {
  if (client === 'http') {
    if (hintMs === undefined) return configuredMs;
    const fromHint = Math.max(0, hintMs - 1000);
    return configuredMs === undefined || configuredMs === 0 ? fromHint : Math.min(configuredMs, fromHint);
  }
  const keepAliveTimeout = configuredMs ?? 4000;
  // bench sets keepAliveMaxTimeout to the user's --idle-timeout (undici's default 600 s otherwise)
  const maxTimeout = configuredMs ?? 600_000;
  if (hintMs === undefined) return keepAliveTimeout;
  return Math.max(0, Math.min(hintMs - 2000, maxTimeout));
}
