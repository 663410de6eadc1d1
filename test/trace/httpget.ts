import http from 'node:http';
import https from 'node:https';

export interface Got {
  status: number;
  body: string;
  reusedSocket: boolean;
}

/** GET that reads the whole body, with a deadline so a test never hangs. */
export function get(url: string, options: https.RequestOptions = {}, deadlineMs = 5000): Promise<Got> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.setTimeout(deadlineMs, () => req.destroy(new Error(`deadline ${deadlineMs} ms`)));
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
  });
}
