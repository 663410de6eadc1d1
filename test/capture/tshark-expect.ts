/**
 * What tshark says about each TCP connection of a capture, in the shape connscope's per-connection
 * fields are compared in. Used at fixture-creation time (make-fixtures.sh writes <name>.expected.json)
 * and live by tshark.test.ts when tshark is installed.
 *   node --import tsx test/capture/tshark-expect.ts FILE > FILE.expected.json
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export interface ExpectedConnection {
  client: string;
  server: string;
  sni: string | null;
  /** ClientHello messages on the connection (2 with a HelloRetryRequest). */
  handshakes: number;
  /** ClientHello legacy_version, e.g. 0x0303. */
  legacyVersion: number | null;
  offeredVersions: number[];
  /** Version the server chose (supported_versions when present, else the ServerHello version). */
  selectedVersion: number | null;
  cipher: number | null;
  alpnOffered: string[];
  alpn: string | null;
  pskOffered: boolean;
  pskAccepted: boolean;
  resumed: boolean;
  helloRetry: boolean;
  /** The first FIN or RST on the connection and who sent it. */
  firstClose: { side: 'client' | 'server'; flag: 'FIN' | 'RST' } | null;
}

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

const FIELDS = [
  'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.flags.syn', 'tcp.flags.ack',
  'tcp.flags.fin', 'tcp.flags.reset', 'tls.handshake.type', 'tls.handshake.extensions_server_name', 'tls.handshake.version',
  'tls.handshake.extensions.supported_version', 'tls.handshake.ciphersuite', 'tls.handshake.extensions_alpn_str',
  'tls.handshake.extension.type', 'tls.handshake.session_id', 'tls.handshake.random',
] as const;

export function runTshark(file: string): Promise<string> {
  const args = ['-r', file, '-n', '-Y', 'tls.handshake or tcp.flags.syn == 1 or tcp.flags.fin == 1 or tcp.flags.reset == 1',
    '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  for (const f of FIELDS) args.push('-e', f);
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

const num = (s: string): number => (s.startsWith('0x') ? parseInt(s, 16) : Number(s));
const list = (s: string | undefined): string[] => (s ? s.split('|').filter((x) => x !== '') : []);

export function expectationsFromFields(text: string): ExpectedConnection[] {
  const conns = new Map<string, ExpectedConnection & { clientSessionId?: string }>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const cols = line.split('\t');
    const v = Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Record<(typeof FIELDS)[number], string>;
    const src = `${v['ip.src'] || v['ipv6.src']}:${v['tcp.srcport']}`;
    const dst = `${v['ip.dst'] || v['ipv6.dst']}:${v['tcp.dstport']}`;
    let c = conns.get(v['tcp.stream']);
    if (!c) {
      // the SYN sender is the client; without a SYN, the ClientHello sender (set below)
      c = { client: src, server: dst, sni: null, handshakes: 0, legacyVersion: null, offeredVersions: [], selectedVersion: null, cipher: null,
        alpnOffered: [], alpn: null, pskOffered: false, pskAccepted: false, resumed: false, helloRetry: false, firstClose: null };
      conns.set(v['tcp.stream'], c);
    }
    if (v['tcp.flags.syn'] === '1' && v['tcp.flags.ack'] === '0') {
      c.client = src;
      c.server = dst;
    }
    if (!c.firstClose && (v['tcp.flags.fin'] === '1' || v['tcp.flags.reset'] === '1')) {
      c.firstClose = { side: src === c.client ? 'client' : 'server', flag: v['tcp.flags.reset'] === '1' ? 'RST' : 'FIN' };
    }
    const types = list(v['tls.handshake.type']).map(num);
    const exts = list(v['tls.handshake.extension.type']).map(num);
    if (types.includes(1)) {
      if (c.handshakes === 0) {
        c.client = src;
        c.server = dst;
        c.sni = list(v['tls.handshake.extensions_server_name'])[0] ?? null;
        c.legacyVersion = num(list(v['tls.handshake.version'])[0] ?? 'NaN');
        c.offeredVersions = list(v['tls.handshake.extensions.supported_version']).map(num);
        c.alpnOffered = list(v['tls.handshake.extensions_alpn_str']);
        c.clientSessionId = list(v['tls.handshake.session_id'])[0] ?? '';
      }
      c.handshakes += types.filter((t) => t === 1).length;
      if (exts.includes(41)) c.pskOffered = true;
    } else if (types.includes(2)) {
      const random = (list(v['tls.handshake.random'])[0] ?? '').replace(/:/g, '').toLowerCase();
      if (random === HRR_RANDOM) {
        c.helloRetry = true;
        continue;
      }
      const supported = list(v['tls.handshake.extensions.supported_version']).map(num);
      c.selectedVersion = supported[0] ?? num(list(v['tls.handshake.version'])[0] ?? 'NaN');
      c.cipher = num(list(v['tls.handshake.ciphersuite'])[0] ?? 'NaN');
      c.alpn = list(v['tls.handshake.extensions_alpn_str'])[0] ?? null;
      c.pskAccepted = exts.includes(41);
      const sid = list(v['tls.handshake.session_id'])[0] ?? '';
      c.resumed = c.selectedVersion === 0x0304 ? c.pskAccepted : sid !== '' && sid === c.clientSessionId;
    }
  }
  return [...conns.values()].map(({ clientSessionId: _s, ...c }) => c);
}

export async function tsharkExpectations(file: string): Promise<ExpectedConnection[]> {
  return expectationsFromFields(await runTshark(file));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tshark-expect.ts FILE\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify({ tshark: 'tshark -T fields (see test/capture/tshark-expect.ts)', connections: await tsharkExpectations(file) }, null, 2) + '\n');
}
