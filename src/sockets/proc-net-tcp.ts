import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { tcpStateFromHex, type TcpState } from './tcp-states.js';

/** One line of /proc/net/tcp or /proc/net/tcp6. */
export interface TcpSocketEntry {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: TcpState;
  /** Bytes queued for sending / not yet read by the application. */
  txQueue: number;
  rxQueue: number;
  /** 0 for TIME_WAIT sockets (they belong to no process any more). */
  inode: number;
}

export interface ReadSocketsOptions {
  /** Directory holding `tcp` and `tcp6` (default /proc/net); injectable for tests and other namespaces. */
  procDir?: string;
}

/**
 * Reads every TCP socket of this network namespace. No root needed: the kernel shows all sockets,
 * only the owning process is hidden. Throws a UsageError where the files do not exist (not Linux).
 */
export async function readTcpSockets(options: ReadSocketsOptions = {}): Promise<TcpSocketEntry[]> {
  const dir = options.procDir ?? '/proc/net';
  const v4 = await readIfExists(path.join(dir, 'tcp'));
  const v6 = await readIfExists(path.join(dir, 'tcp6'));
  if (v4 === undefined && v6 === undefined) {
    throw new UsageError(
      `${path.join(dir, 'tcp')} does not exist: socket states are read from Linux's /proc`,
      'on macOS use `netstat -an -p tcp`, on Windows `netstat -ano`',
    );
  }
  return [...parseProcNetTcp(v4 ?? '', 4), ...parseProcNetTcp(v6 ?? '', 6)];
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Parses the text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6); malformed lines are skipped. */
export function parseProcNetTcp(text: string, family: 4 | 6): TcpSocketEntry[] {
  const out: TcpSocketEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.length < 10 || !f[0]!.endsWith(':')) continue;
    const local = parseEndpoint(f[1]!, family);
    const remote = parseEndpoint(f[2]!, family);
    if (!local || !remote || !/^[0-9A-Fa-f]{2}$/.test(f[3]!)) continue;
    const [tx, rx] = f[4]!.split(':').map((h) => Number.parseInt(h, 16));
    out.push({
      family,
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state: tcpStateFromHex(f[3]!),
      txQueue: Number.isFinite(tx) ? tx! : 0,
      rxQueue: Number.isFinite(rx) ? rx! : 0,
      inode: Number(f[9]) || 0,
    });
  }
  return out;
}

function parseEndpoint(field: string, family: 4 | 6): { address: string; port: number } | undefined {
  const [hexAddr, hexPort] = field.split(':');
  if (!hexAddr || !hexPort) return undefined;
  const port = Number.parseInt(hexPort, 16);
  if (!Number.isFinite(port)) return undefined;
  const address = family === 4 ? ipv4FromHex(hexAddr) : ipv6FromHex(hexAddr);
  return address === undefined ? undefined : { address, port };
}

/** The kernel prints the address as one 32-bit word in host byte order (little-endian on x86/arm). */
function ipv4FromHex(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const bytes = wordBytes(hex);
  return bytes.join('.');
}

function ipv6FromHex(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8)));
  // IPv4-mapped (::ffff:a.b.c.d): a dual-stack server's IPv4 clients; shown as plain IPv4
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return compressIpv6(groups);
}

function wordBytes(hex8: string): number[] {
  const word = Number.parseInt(hex8, 16);
  return [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, (word >>> 24) & 0xff];
}

/** RFC 5952 form: the longest run of zero groups (2+) becomes '::'. */
function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}
