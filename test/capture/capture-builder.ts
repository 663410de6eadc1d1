/**
 * Test helper: reads the IP packets out of a committed fixture and writes them back in other file
 * formats and link types, so every reader path is checked against the same real traffic.
 */
import { readFileSync } from 'node:fs';
import { PcapReader } from '../../src/capture/pcap-reader.js';
import { PcapngReader } from '../../src/capture/pcapng-reader.js';
import { ipOffset } from '../../src/capture/decode.js';

export interface IpPacket {
  tsMs: number;
  /** The IP packet (IPv4 or IPv6), without link header. */
  ip: Buffer;
}

export function readIpPackets(file: string): IpPacket[] {
  const bytes = readFileSync(file);
  const out: IpPacket[] = [];
  const sink = (buf: Buffer, start: number, end: number, tsMs: number, linkType: number): void => {
    const o = ipOffset(buf, start, end, linkType);
    if (o >= 0) out.push({ tsMs, ip: Buffer.from(buf.subarray(o, end)) });
  };
  const reader = bytes.readUInt32LE(0) === 0x0a0d0d0a ? new PcapngReader(sink) : new PcapReader(sink);
  reader.feed(bytes);
  reader.end();
  return out;
}

export type Framing = 'ethernet' | 'vlan' | 'qinq' | 'sll' | 'sll2' | 'null' | 'loop' | 'raw' | 'ipv4';

export const LINKTYPE: Record<Framing, number> = { ethernet: 1, vlan: 1, qinq: 1, sll: 113, sll2: 276, null: 0, loop: 108, raw: 101, ipv4: 228 };

/** Wraps an IP packet in a link header. */
export function frame(ip: Buffer, framing: Framing): Buffer {
  const v6 = ip[0]! >> 4 === 6;
  const etherType = v6 ? 0x86dd : 0x0800;
  const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 255]);
  const macs = Buffer.alloc(12, 0x02);
  switch (framing) {
    case 'ethernet':
      return Buffer.concat([macs, u16(etherType), ip]);
    case 'vlan':
      return Buffer.concat([macs, u16(0x8100), u16(42), u16(etherType), ip]);
    case 'qinq':
      return Buffer.concat([macs, u16(0x88a8), u16(7), u16(0x8100), u16(42), u16(etherType), ip]);
    case 'sll': {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(0, 0); // packet type: to us
      h.writeUInt16BE(772, 2); // ARPHRD_LOOPBACK
      h.writeUInt16BE(6, 4);
      h.writeUInt16BE(etherType, 14);
      return Buffer.concat([h, ip]);
    }
    case 'sll2': {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(etherType, 0);
      h.writeUInt32BE(1, 4); // interface index
      h.writeUInt16BE(772, 8);
      h[11] = 6;
      return Buffer.concat([h, ip]);
    }
    case 'null': {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(v6 ? 30 : 2, 0); // host byte order of a little-endian capturer
      return Buffer.concat([h, ip]);
    }
    case 'loop': {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(v6 ? 30 : 2, 0);
      return Buffer.concat([h, ip]);
    }
    case 'raw':
    case 'ipv4':
      return ip;
  }
}

export interface PcapOptions {
  linkType: number;
  bigEndian?: boolean;
  nanos?: boolean;
}

export function writePcap(frames: { tsMs: number; data: Buffer }[], o: PcapOptions): Buffer {
  const w32 = (b: Buffer, v: number, at: number): void => void (o.bigEndian ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at));
  const w16 = (b: Buffer, v: number, at: number): void => void (o.bigEndian ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  const h = Buffer.alloc(24);
  w32(h, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, 262144, 16);
  w32(h, o.linkType, 20);
  const parts: Buffer[] = [h];
  for (const f of frames) {
    const r = Buffer.alloc(16);
    const sec = Math.floor(f.tsMs / 1000);
    const frac = o.nanos ? Math.round((f.tsMs - sec * 1000) * 1e6) : Math.round((f.tsMs - sec * 1000) * 1e3);
    w32(r, sec, 0);
    w32(r, frac, 4);
    w32(r, f.data.length, 8);
    w32(r, f.data.length, 12);
    parts.push(r, f.data);
  }
  return Buffer.concat(parts);
}

export interface NgInterface {
  linkType: number;
  /** if_tsresol byte (6 = µs, 9 = ns, 0x80|n = 2^-n); omitted = default µs. */
  tsresol?: number;
}

export interface NgPacket {
  iface: number;
  tsMs: number;
  data: Buffer;
  /** Write as a simple packet block (no timestamp, interface 0). */
  simple?: boolean;
}

function pad4(b: Buffer): Buffer {
  const p = (4 - (b.length % 4)) % 4;
  return p ? Buffer.concat([b, Buffer.alloc(p)]) : b;
}

function block(type: number, body: Buffer, be: boolean): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  const w = (v: number, at: number): void => void (be ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at));
  w(type, 0);
  w(len, 4);
  body.copy(b, 8);
  w(len, len - 4);
  return b;
}

export function writePcapng(ifaces: NgInterface[], packets: NgPacket[], o: { bigEndian?: boolean } = {}): Buffer {
  const be = !!o.bigEndian;
  const b32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  };
  const b16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  };
  const parts: Buffer[] = [];
  // SHB: byte-order magic, version 1.0, section length -1
  parts.push(block(0x0a0d0d0a, Buffer.concat([b32(0x1a2b3c4d), b16(1), b16(0), Buffer.alloc(8, 0xff)]), be));
  for (const i of ifaces) {
    const opts: Buffer[] = [];
    if (i.tsresol !== undefined) opts.push(b16(9), b16(1), pad4(Buffer.from([i.tsresol])));
    opts.push(b16(0), b16(0));
    parts.push(block(1, Buffer.concat([b16(i.linkType), b16(0), b32(262144), ...opts]), be));
  }
  for (const p of packets) {
    if (p.simple) {
      parts.push(block(3, Buffer.concat([b32(p.data.length), pad4(p.data)]), be));
      continue;
    }
    const r = ifaces[p.iface]?.tsresol ?? 6;
    const unitsPerMs = r & 0x80 ? 2 ** (r & 0x7f) / 1000 : 10 ** r / 1000;
    const units = BigInt(Math.round(p.tsMs * 1000)) * BigInt(Math.round(unitsPerMs * 1000)) / 1_000_000n;
    const hi = Number(units >> 32n);
    const lo = Number(units & 0xffffffffn);
    parts.push(block(6, Buffer.concat([b32(p.iface), b32(hi), b32(lo), b32(p.data.length), b32(p.data.length), pad4(p.data)]), be));
  }
  return Buffer.concat(parts);
}

/** Turns an IPv4 TCP packet into the same TCP segment over IPv6 (::ffff-free documentation prefix). */
export function toIpv6(ip: Buffer): Buffer {
  const ihl = (ip[0]! & 15) * 4;
  const total = ip.readUInt16BE(2);
  const tcp = ip.subarray(ihl, total);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(tcp.length, 4);
  h[6] = 6;
  h[7] = 64;
  // 2001:db8::<ipv4>
  h.writeUInt32BE(0x20010db8, 8);
  ip.copy(h, 20, 12, 16);
  h.writeUInt32BE(0x20010db8, 24);
  ip.copy(h, 36, 16, 20);
  return Buffer.concat([h, tcp]);
}

/** Splits an IPv4 TCP packet's payload into n segments (sequence numbers adjusted). */
export function splitSegment(ip: Buffer, n: number): Buffer[] {
  const ihl = (ip[0]! & 15) * 4;
  const total = ip.readUInt16BE(2);
  const tcpLen = (ip[ihl + 12]! >> 4) * 4;
  const payload = ip.subarray(ihl + tcpLen, total);
  const seq = ip.readUInt32BE(ihl + 4);
  const size = Math.ceil(payload.length / n);
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    const head = Buffer.from(ip.subarray(0, ihl + tcpLen));
    head.writeUInt16BE(ihl + tcpLen + part.length, 2);
    head.writeUInt32BE((seq + off) >>> 0, ihl + 4);
    out.push(Buffer.concat([head, part]));
  }
  return out;
}

/** TCP payload length of an IPv4 packet. */
export function payloadLength(ip: Buffer): number {
  const ihl = (ip[0]! & 15) * 4;
  return ip.readUInt16BE(2) - ihl - (ip[ihl + 12]! >> 4) * 4;
}

/** TCP payload of an IPv4 packet. */
export function payloadOf(ip: Buffer): Buffer {
  const ihl = (ip[0]! & 15) * 4;
  return ip.subarray(ihl + (ip[ihl + 12]! >> 4) * 4, ip.readUInt16BE(2));
}

export interface TcpPacketSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** Any of 'S', 'A', 'F', 'R', 'P'. */
  flags: string;
  window?: number;
  payload?: Buffer | number;
}

/** An IPv4 TCP packet made from scratch (checksums left 0: connscope and tshark do not check them by default). */
export function tcpPacket(p: TcpPacketSpec): Buffer {
  const payload = typeof p.payload === 'number' ? Buffer.alloc(p.payload, 0x61) : (p.payload ?? Buffer.alloc(0));
  const ip = Buffer.alloc(20 + 20 + payload.length);
  ip[0] = 0x45;
  ip.writeUInt16BE(ip.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  p.src.split('.').forEach((o, i) => (ip[12 + i] = Number(o)));
  p.dst.split('.').forEach((o, i) => (ip[16 + i] = Number(o)));
  ip.writeUInt16BE(p.sport, 20);
  ip.writeUInt16BE(p.dport, 22);
  ip.writeUInt32BE(p.seq >>> 0, 24);
  ip.writeUInt32BE((p.ack ?? 0) >>> 0, 28);
  ip[32] = 5 << 4;
  const bits: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16 };
  ip[33] = [...p.flags].reduce((n, f) => n | (bits[f] ?? 0), 0);
  ip.writeUInt16BE(p.window ?? 502, 34);
  payload.copy(ip, 40);
  return ip;
}

/**
 * `copies` copies of a capture's connections, each from its own client address (127.1.x.y) and shifted
 * in time: many connections (and a large report) from one small fixture.
 */
export function manyConnections(file: string, copies: number): Buffer {
  const packets = readIpPackets(file);
  const syn = packets.find((p) => (p.ip[(p.ip[0]! & 15) * 4 + 13]! & 0x12) === 0x02);
  if (!syn) throw new Error(`${file} has no SYN`);
  const serverPort = syn.ip.readUInt16BE((syn.ip[0]! & 15) * 4 + 2);
  const span = packets[packets.length - 1]!.tsMs - packets[0]!.tsMs + 10;
  const frames: { tsMs: number; data: Buffer }[] = [];
  for (let k = 0; k < copies; k++) {
    for (const p of packets) {
      const ip = Buffer.from(p.ip);
      const ihl = (ip[0]! & 15) * 4;
      // the client's address is the source when the source port is not the server's
      const at = ip.readUInt16BE(ihl) !== serverPort ? 12 : 16;
      ip[at] = 127;
      ip[at + 1] = 1;
      ip[at + 2] = k >> 8;
      ip[at + 3] = k & 255;
      frames.push({ tsMs: p.tsMs + k * span, data: frame(ip, 'ethernet') });
    }
  }
  return writePcap(frames, { linkType: 1 });
}
