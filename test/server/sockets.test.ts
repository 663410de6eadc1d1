import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { run } from '../../src/cli/program.js';
import { parseProcNetTcp, readTcpSockets, summarizeSockets, diffSummaries, type SocketSummary } from '../../src/sockets/index.js';
import { captureIO } from '../helpers/cli-io.js';

const exec = promisify(execFile);
const T = { timeout: 20_000 };
const cleanup: Array<() => unknown> = [];
const sockets = new Set<net.Socket>();
const servers: net.Server[] = [];
after(async () => {
  // sockets first: server.close() waits for every connection to end
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  for (const fn of cleanup) await fn();
}, { timeout: 10_000 });

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  server.on('connection', (s: net.Socket) => sockets.add(s));
  return (server.address() as net.AddressInfo).port;
}

async function connect(port: number, n: number): Promise<net.Socket[]> {
  const out: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    sockets.add(s);
    await new Promise<void>((r) => s.once('connect', () => r()));
    out.push(s);
  }
  return out;
}

async function summary(port: number): Promise<SocketSummary> {
  return summarizeSockets(await readTcpSockets(), { port });
}

/** Polls the kernel's table until `check` holds (state changes land within milliseconds; the deadline is generous). */
async function until(port: number, check: (s: SocketSummary) => boolean, what: string): Promise<SocketSummary> {
  const deadline = Date.now() + 5_000;
  let s = await summary(port);
  while (!check(s)) {
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(s)}`);
    await sleep(20);
    s = await summary(port);
  }
  return s;
}

const local = (s: SocketSummary, port: number) => s.byLocalPort.find((g) => g.key === String(port))?.states ?? {};
const remote = (s: SocketSummary, port: number) => s.byRemote.find((g) => g.key === `127.0.0.1:${port}`)?.states ?? {};

test('parses /proc/net/tcp and tcp6 lines: addresses, ports, states, v4-mapped addresses', () => {
  const v4 = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:C350 0100007F:1F90 01 00000010:00000002 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1',
    '   2: 0100007F:C351 0100007F:1F90 06 00000000:00000000 03:00001234 00000000     0        0 0 3 0000000000000000',
    'garbage line',
  ].join('\n');
  const v6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0',
    '   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 08 00000000:00000000 00:00000000 00000000  1000        0 2 1 0',
  ].join('\n');
  const e4 = parseProcNetTcp(v4, 4);
  assert.equal(e4.length, 3);
  assert.deepEqual(e4[0], { family: 4, localAddress: '127.0.0.1', localPort: 8080, remoteAddress: '0.0.0.0', remotePort: 0, state: 'LISTEN', txQueue: 0, rxQueue: 0, inode: 12345 });
  assert.equal(e4[1]!.state, 'ESTABLISHED');
  assert.equal(e4[1]!.txQueue, 16);
  assert.equal(e4[2]!.state, 'TIME_WAIT');
  const e6 = parseProcNetTcp(v6, 6);
  assert.equal(e6[0]!.localAddress, '::1');
  assert.equal(e6[1]!.localAddress, '127.0.0.1', 'v4-mapped shown as IPv4');
  assert.equal(e6[1]!.state, 'CLOSE_WAIT');
  const s = summarizeSockets([...e4, ...e6], { port: 8080 });
  assert.deepEqual(s.states, { LISTEN: 2, ESTABLISHED: 1, TIME_WAIT: 1, CLOSE_WAIT: 1 });
  assert.deepEqual(s.byLocalPort[0], { key: '8080', total: 3, states: { LISTEN: 2, CLOSE_WAIT: 1 } });
  assert.deepEqual(s.byRemote[0], { key: '127.0.0.1:8080', total: 2, states: { ESTABLISHED: 1, TIME_WAIT: 1 } });
  const d = diffSummaries(summarizeSockets(e4, { port: 8080 }, 0), summarizeSockets([...e4, ...e6], { port: 8080 }, 1000));
  assert.deepEqual(d.states, { LISTEN: 1, CLOSE_WAIT: 1 });
  assert.equal(d.intervalMs, 1000);
});

test('ESTABLISHED on both sides, then TIME_WAIT on the client after the client closes first', T, async () => {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => {
    accepted.push(s);
    s.on('error', () => {});
  });
  const port = await listen(server);
  const clients = await connect(port, 3);
  let s = await until(port, (x) => local(x, port).ESTABLISHED === 3, 'three accepted');
  assert.deepEqual(local(s, port), { LISTEN: 1, ESTABLISHED: 3 });
  assert.deepEqual(remote(s, port), { ESTABLISHED: 3 });
  assert.equal(s.total, 7);

  // the side that sends the first FIN ends in TIME_WAIT: here the client (the server answers FIN at once)
  await Promise.all(clients.map((c) => new Promise<void>((r) => {
    c.once('close', () => r());
    c.end();
  })));
  s = await until(port, (x) => remote(x, port).TIME_WAIT === 3, 'client TIME_WAIT');
  assert.deepEqual(remote(s, port), { TIME_WAIT: 3 });
  assert.equal(local(s, port).ESTABLISHED, undefined);
});

test('CLOSE_WAIT on a server that leaves half-closed sockets open (allowHalfOpen, never ends)', T, async () => {
  const accepted: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    accepted.push(s);
    s.on('error', () => {});
    s.resume();
  });
  const port = await listen(server);
  const clients = await connect(port, 2);
  await until(port, (x) => local(x, port).ESTABLISHED === 2, 'accepted');
  for (const c of clients) c.end();
  const s = await until(port, (x) => local(x, port).CLOSE_WAIT === 2 && remote(x, port).FIN_WAIT2 === 2, 'server CLOSE_WAIT, client FIN_WAIT2');
  assert.deepEqual(local(s, port), { LISTEN: 1, CLOSE_WAIT: 2 });
  assert.deepEqual(remote(s, port), { FIN_WAIT2: 2 });

  // the CLI says the same, in-process and as JSON
  const io = captureIO();
  assert.equal(await run(['sockets', '--port', String(port), '--json'], io), 0);
  const parsed = JSON.parse(io.out) as SocketSummary;
  assert.deepEqual(parsed.states, { LISTEN: 1, CLOSE_WAIT: 2, FIN_WAIT2: 2 });

  const text = captureIO({ NO_COLOR: '1' });
  assert.equal(await run(['sockets', '--port', String(port), '--remote', '127.0.0.1'], text), 0);
  assert.match(text.out, /TCP sockets \(port \d+, remote 127\.0\.0\.1\): 5/);
  assert.match(text.out, new RegExp(`^  ${port}\\s+3\\s+2\\s+1$`, 'm'), 'local port row: total, CLOSE_WAIT, LISTEN');
  assert.match(text.out, new RegExp(`note: 2 CLOSE_WAIT on local port ${port}: the peer closed`));
});

test('sockets --watch shows the change per interval, bounded by --count and by the signal', T, async () => {
  const server = net.createServer((s) => s.on('error', () => {}));
  const port = await listen(server);
  const io = captureIO();
  const opened = (async () => {
    await sleep(150);
    await connect(port, 2);
  })();
  const code = await run(['sockets', '--port', String(port), '--watch', '250ms', '--count', '8', '--json'], io);
  await opened;
  assert.equal(code, 0);
  const lines = io.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 8);
  assert.equal(lines[0].delta, undefined);
  const rises = lines.slice(1).map((l) => l.delta.states.ESTABLISHED ?? 0);
  assert.equal(rises.reduce((a: number, b: number) => a + b, 0), 4, 'two connections, seen on both ends');

  const ac = new AbortController();
  const watched = captureIO({}, { signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  const started = Date.now();
  assert.equal(await run(['sockets', '--port', String(port), '--watch', '10s'], watched), 0);
  assert.ok(Date.now() - started < 5_000, 'Ctrl-C cuts the wait short');
  assert.match(watched.out, /watching every 10000 ms/);
});

test('sockets: a clear message and exit 2 where /proc/net/tcp does not exist; bad flags exit 2', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'connscope-proc-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  let io = captureIO();
  assert.equal(await run(['sockets', '--proc-net', dir], io), 2);
  assert.match(io.err, /^connscope: .*tcp does not exist: socket states are read from Linux's \/proc/);
  assert.equal(io.err.trim().split('\n').length, 1);
  assert.equal(io.out, '');

  await writeFile(path.join(dir, 'tcp'), '  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0\n');
  io = captureIO();
  assert.equal(await run(['sockets', '--proc-net', dir, '--json'], io), 0, 'tcp6 may be missing (IPv6 off)');
  assert.deepEqual(JSON.parse(io.out).states, { LISTEN: 1 });

  for (const bad of [['--port', '70000'], ['--watch', 'often'], ['--watch', '10ms'], ['--count', '0']]) {
    io = captureIO();
    assert.equal(await run(['sockets', ...bad], io), 2, bad.join(' '));
    assert.match(io.err, /^connscope: invalid/);
  }
});

test('sockets: the real binary', { timeout: 30_000 }, async () => {
  const server = net.createServer((s) => s.on('error', () => {}));
  const port = await listen(server);
  await connect(port, 1);
  await until(port, (x) => local(x, port).ESTABLISHED === 1, 'accepted');
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sockets', '--port', String(port), '--json'], { timeout: 25_000 });
  const s = JSON.parse(stdout) as SocketSummary;
  assert.deepEqual(s.states, { LISTEN: 1, ESTABLISHED: 2 });
});
