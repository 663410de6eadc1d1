import http2 from 'node:http2';
import type { ClientTls } from './http1-client.js';
import type { Target } from './target.js';

/** Opens an HTTP/2 session and reads the server's SETTINGS; null when it does not arrive in time. */
export function readHttp2Settings(target: Target, tlsOptions: ClientTls, timeoutMs: number): Promise<http2.Settings | null> {
  return new Promise((resolve) => {
    let settled = false;
    const session = http2.connect(target.origin, {
      ca: tlsOptions.ca,
      rejectUnauthorized: tlsOptions.rejectUnauthorized,
      minVersion: tlsOptions.minVersion,
      maxVersion: tlsOptions.maxVersion,
      servername: target.servername,
      ...(target.pinnedAddress ? { host: target.pinnedAddress } : {}),
      ...(target.lookup ? { lookup: target.lookup } : {}),
    } as http2.SecureClientSessionOptions);
    const done = (s: http2.Settings | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(s);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    timer.unref();
    session.once('remoteSettings', (s) => done({ ...s }));
    session.once('error', () => done(null));
    session.once('close', () => done(null));
  });
}
