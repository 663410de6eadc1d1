import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { run } from '../../src/cli/program.js';
import { parseUrlArgument } from '../../src/cli/target.js';
import { EXIT } from '../../src/errors.js';
import { redactUrl } from '../../src/redact.js';
import { captureIO } from '../helpers/cli-io.js';
import { httpServer, type Served } from '../helpers/servers.js';
import { spawnConnscope } from './spawn.js';

let server: Served<http.Server>;
const seen: (string | undefined)[] = [];
before(async () => {
  server = await httpServer((req, res) => {
    seen.push(req.headers.authorization);
    res.end('ok');
  });
});
after(() => server.close());

/** Every string a secret could leak as: itself, its pieces, and the Basic credentials built from it. */
const SECRETS = ['s3cr/et', 's3cr', 'zzret', 'TOKEN-zq81', 'pw-9d7k', Buffer.from('alice:pw-9d7k').toString('base64'), '4321/zq'];

function noSecret(out: string, what: string): void {
  for (const s of SECRETS) assert.ok(!out.includes(s), `${what}: "${s}" appears in ${JSON.stringify(out)}`);
}

const bad = (port: number): [string, string[]][] => [
  ['a password with a "/" (malformed URL)', [`http://alice:s3cr/et@127.0.0.1:${port}/`]],
  ['a bad percent-escape in the password', [`http://alice:s3c%zzret@127.0.0.1:${port}/`]],
  ['a password of digits and a "/" (parses as host:port)', [`http://alice:4321/zq@127.0.0.1:${port}/`]],
  ['a header without its colon', ['-H', 'Authorization Bearer TOKEN-zq81', `http://127.0.0.1:${port}/`]],
  ['a header name that is not a token', ['-H', 'Bearer TOKEN-zq81: x', `http://127.0.0.1:${port}/`]],
  ['a header value with a line break', ['-H', 'Authorization: Bearer TOKEN-zq81\r\nX: y', `http://127.0.0.1:${port}/`]],
];
const ARGS = { probe: ['-n', '1'], bench: ['-n', '2', '-c', '1'] } as const;

for (const cmd of ['probe', 'bench'] as const) {
  test(`${cmd}: a bad URL or header is exit 2 with one line that holds no secret, and nothing is sent`, { timeout: 30_000 }, async () => {
    const before = server.connections;
    for (const [what, argv] of bad(server.port)) {
      const io = captureIO();
      const code = await run([cmd, ...ARGS[cmd], ...argv], io);
      assert.equal(code, EXIT.usage, `${what}: ${io.err}`);
      assert.equal(io.out, '');
      assert.equal(io.err.trim().split('\n').length, 1, io.err);
      assert.match(io.err, /^connscope: (malformed URL|bad percent-escape|invalid header|invalid value of header)/);
      noSecret(io.out + io.err, `${cmd}, ${what}`);
    }
    assert.equal(server.connections, before, 'no connection for a refused command line');
  });

  test(`${cmd}: URL credentials travel as Basic auth and never appear in the output (text and JSON)`, { timeout: 30_000 }, async () => {
    for (const json of [false, true]) {
      seen.length = 0;
      const io = captureIO();
      const code = await run([cmd, ...ARGS[cmd], ...(json ? ['--json'] : []), `http://alice:pw-9d7k@127.0.0.1:${server.port}/`], io);
      assert.equal(code, EXIT.ok, io.err);
      assert.ok(seen.length >= 1);
      assert.ok(seen.every((a) => a === `Basic ${Buffer.from('alice:pw-9d7k').toString('base64')}`), String(seen));
      noSecret(io.out + io.err, cmd);
    }
  });

  test(`${cmd}: a URL without a scheme means http://, as in curl`, { timeout: 30_000 }, async () => {
    const before = server.connections;
    const io = captureIO();
    assert.equal(await run([cmd, ...ARGS[cmd], '--json', `127.0.0.1:${server.port}/x`], io), EXIT.ok, io.err);
    assert.ok(server.connections > before);
    assert.match(io.out, new RegExp(`"url":\\s*"http://127\\.0\\.0\\.1:${server.port}/x"`));
  });
}

test('the URL argument: one wording per error, never the secret', () => {
  assert.equal(parseUrlArgument('localhost:8080').url.href, 'http://localhost:8080/');
  assert.equal(parseUrlArgument('[::1]:8080/p').url.href, 'http://[::1]:8080/p');
  assert.equal(parseUrlArgument('https://h/').url.href, 'https://h/');
  const a = parseUrlArgument('http://al%40ice:p%2Fw@h/');
  assert.equal(a.basicAuth, `Basic ${Buffer.from('al@ice:p/w').toString('base64')}`);
  assert.equal(a.url.href, 'http://h/', 'credentials leave the URL');
  assert.equal(a.safe, 'http://h/');
  const message = (input: string): string => {
    try {
      parseUrlArgument(input);
    } catch (err) {
      return (err as Error).message;
    }
    return assert.fail(`${input} was accepted`);
  };
  assert.equal(message('http://alice:s3cr/et@127.0.0.1:1/'), 'malformed URL: http://***@127.0.0.1:1/');
  assert.equal(message('alice:s3cr/et@127.0.0.1:1'), 'malformed URL: http://***@127.0.0.1:1');
  assert.equal(message('http://exa mple.com/'), 'malformed URL: http://exa mple.com/');
  // a password starting with digits and holding a '/' parses as host:port + path: refused, not sent to "alice"
  assert.equal(message('http://alice:1234/et@127.0.0.1:1/'), 'malformed URL: http://***@127.0.0.1:1/');
  assert.equal(parseUrlArgument('https://registry.example/@scope/pkg').url.pathname, '/@scope/pkg', "a path starting with '@' is fine");
  assert.equal(parseUrlArgument('http://h/users/a@b.example').url.pathname, '/users/a@b.example');
  assert.equal(message('ftp://alice:s3cr@h/'), 'unsupported scheme "ftp" in ftp://***@h/');
  assert.equal(message('http://alice:s3c%zzret@h/'), 'bad percent-escape in the user name or password of http://***@h/');
  // a password holding '@' as well: cut at the last one
  assert.equal(redactUrl('http://alice:pa/ss@w@rd@127.0.0.1:1/'), 'http://***@127.0.0.1:1/');
});

test('the real binary: probe and bench print no secret, exit 2, no stack', { timeout: 300_000 }, async () => {
  // two at a time: each is a whole Node process compiling TypeScript on a shared machine
  const cases = (['probe', 'bench'] as const).flatMap((cmd) => bad(server.port).slice(0, 4).map(([what, argv]) => ({ what: `${cmd}, ${what}`, argv: [cmd, ...ARGS[cmd], ...argv] })));
  for (let i = 0; i < cases.length; i += 2) {
    const runs = await Promise.all(cases.slice(i, i + 2).map(async (c) => ({ what: c.what, r: await spawnConnscope(c.argv, { deadlineMs: 90_000 }) })));
    for (const { what, r } of runs) {
      assert.equal(r.code, EXIT.usage, `${what}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^connscope: [^\n]+\n$/, what);
      noSecret(r.stdout + r.stderr, what);
    }
  }
  const ok = await spawnConnscope(['bench', ...ARGS.bench, `http://alice:pw-9d7k@127.0.0.1:${server.port}/`], { deadlineMs: 90_000 });
  assert.equal(ok.code, EXIT.ok, ok.stderr);
  noSecret(ok.stdout + ok.stderr, 'bench with credentials');
});
