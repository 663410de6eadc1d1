// Child process for the tracer benches: a trivial keep-alive HTTP/1.1 server on 127.0.0.1, port 0.
// Prints its port as one line of JSON, exits when its parent disconnects or on SIGTERM.
import http from 'node:http';
import net from 'node:net';

const raw = process.argv.includes('--raw');
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=30\r\n\r\nok');

// --raw answers pipelined requests straight off the socket: the cheapest possible server, so the
// client's cost dominates.
const server = raw
  ? net.createServer((s) => {
      let pending = '';
      s.on('data', (d) => {
        pending += d.toString('latin1');
        let i: number;
        while ((i = pending.indexOf('\r\n\r\n')) !== -1) {
          pending = pending.slice(i + 4);
          s.write(RESPONSE);
        }
      });
      s.on('error', () => {});
    })
  : http.createServer({ keepAliveTimeout: 30_000 }, (_req, res) => res.end('ok'));

server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as net.AddressInfo).port;
  process.stdout.write(JSON.stringify({ port }) + '\n');
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
