import { LINK } from './packet-sink.js';

/** One decoded TCP segment; the decoder reuses a single instance, so copy what must outlive a packet. */
export interface TcpSegment {
  ipVersion: 4 | 6;
  /** Endpoint identities: IPv4 as ip * 65536 + port (an exact integer), IPv6 as a string. */
  srcKey: number | string;
  dstKey: number | string;
  /** IPv4 addresses as numbers (IPv4 only). */
  srcIp4: number;
  dstIp4: number;
  /** IPv6 addresses (IPv6 only; IPv4 ones are formatted on demand by segmentAddresses). */
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  /** The raw 16-bit window field (unscaled). */
  window: number;
  /** Payload length the IP header declares (may exceed what was captured). */
  payloadLength: number;
  data: Buffer;
  /** Captured payload bytes: data[payloadStart, payloadEnd). */
  payloadStart: number;
  payloadEnd: number;
}

/**
 * TCP flag bits, as plain constants rather than an object's properties: testing a flag then reads no
 * property, and the optimizing compiler meets no property read it has not yet seen run (one, on a path
 * first taken after the packet path was compiled, throws the compiled code away).
 */
export const FIN = 1;
export const SYN = 2;
export const RST = 4;
export const ACK = 16;

/** Why a packet was not a TCP segment (counted, never fatal). */
export type SkipReason = 'not-ip' | 'not-tcp' | 'fragment' | 'truncated';

export function newSegment(): TcpSegment {
  return {
    ipVersion: 4, srcKey: 0, dstKey: 0, srcIp4: 0, dstIp4: 0, srcAddr: '', dstAddr: '', srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0,
    payloadLength: 0, data: Buffer.alloc(0), payloadStart: 0, payloadEnd: 0,
  };
}

/** Offset where the IP header starts after the link header, or -1 when the frame does not carry IP. */
export function ipOffset(buf: Buffer, start: number, end: number, linkType: number): number {
  switch (linkType) {
    case LINK.ethernet: {
      let o = start + 12;
      if (o + 2 > end) return -1;
      let type = (buf[o]! << 8) | buf[o + 1]!;
      // 802.1Q, 802.1ad and the old QinQ tag: 4 bytes each, possibly stacked
      while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
        o += 4;
        if (o + 2 > end) return -1;
        type = (buf[o]! << 8) | buf[o + 1]!;
      }
      return type === 0x0800 || type === 0x86dd ? o + 2 : -1;
    }
    case LINK.sll: {
      if (start + 16 > end) return -1;
      const type = (buf[start + 14]! << 8) | buf[start + 15]!;
      return type === 0x0800 || type === 0x86dd ? start + 16 : -1;
    }
    case LINK.sll2: {
      if (start + 20 > end) return -1;
      const type = (buf[start]! << 8) | buf[start + 1]!;
      return type === 0x0800 || type === 0x86dd ? start + 20 : -1;
    }
    case LINK.null:
    case LINK.loop: {
      if (start + 4 > end) return -1;
      // the address family is in the capturing host's byte order for NULL, network order for LOOP
      const be = buf.readUInt32BE(start);
      const le = buf.readUInt32LE(start);
      const fam = linkType === LINK.loop ? be : Math.min(be, le);
      return fam === 2 || fam === 24 || fam === 28 || fam === 30 ? start + 4 : -1;
    }
    case LINK.raw:
    case LINK.rawOpenBsd:
    case LINK.rawAlt:
    case LINK.ipv4:
    case LINK.ipv6:
      return start;
    default:
      return -1;
  }
}

/** A big-endian 32-bit word without Buffer's method call and bounds check (the caller checked the length). */
const u32be = (b: Buffer, o: number): number => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);

function ipv4String(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function ipv6String(buf: Buffer, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((buf[o + i]! << 8) | buf[o + i + 1]!).toString(16));
  // compress the longest run of zero groups, as inet_ntop does
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

/**
 * Decodes link → IP → TCP into seg. Returns null on success, or why the packet was skipped.
 * Lengths come from the IP header (Ethernet padding is ignored; a short snaplen shows as a shorter payload).
 */
export function decodeTcp(buf: Buffer, start: number, end: number, linkType: number, seg: TcpSegment): SkipReason | null {
  const ip = ipOffset(buf, start, end, linkType);
  if (ip < 0 || ip >= end) return 'not-ip';
  const version = buf[ip]! >> 4;
  let tcp: number;
  let ipEnd: number;
  if (version === 4) {
    if (ip + 20 > end) return 'truncated';
    const ihl = (buf[ip]! & 15) * 4;
    if (ihl < 20) return 'truncated';
    if (buf[ip + 9] !== 6) return 'not-tcp';
    const fragment = ((buf[ip + 6]! << 8) | buf[ip + 7]!) & 0x3fff;
    if (fragment !== 0) return 'fragment';
    const total = (buf[ip + 2]! << 8) | buf[ip + 3]!;
    // TSO captures on loopback may show total length 0; fall back to what was captured
    ipEnd = ip + (total >= ihl ? total : end - ip);
    tcp = ip + ihl;
    const src = u32be(buf, ip + 12);
    const dst = u32be(buf, ip + 16);
    if (tcp + 20 > end) return 'truncated';
    seg.ipVersion = 4;
    seg.srcPort = (buf[tcp]! << 8) | buf[tcp + 1]!;
    seg.dstPort = (buf[tcp + 2]! << 8) | buf[tcp + 3]!;
    seg.srcKey = src * 65536 + seg.srcPort;
    seg.dstKey = dst * 65536 + seg.dstPort;
    seg.srcIp4 = src;
    seg.dstIp4 = dst;
  } else if (version === 6) {
    if (ip + 40 > end) return 'truncated';
    let next = buf[ip + 6]!;
    let o = ip + 40;
    ipEnd = o + ((buf[ip + 4]! << 8) | buf[ip + 5]!);
    // hop-by-hop, routing, destination options, fragment
    for (let hops = 0; next !== 6 && hops < 8; hops++) {
      if (next === 44) return 'fragment';
      if (next !== 0 && next !== 43 && next !== 60) return 'not-tcp';
      if (o + 2 > end) return 'truncated';
      next = buf[o]!;
      o += (buf[o + 1]! + 1) * 8;
    }
    if (next !== 6) return 'not-tcp';
    tcp = o;
    if (tcp + 20 > end) return 'truncated';
    seg.ipVersion = 6;
    seg.srcPort = (buf[tcp]! << 8) | buf[tcp + 1]!;
    seg.dstPort = (buf[tcp + 2]! << 8) | buf[tcp + 3]!;
    seg.srcAddr = ipv6String(buf, ip + 8);
    seg.dstAddr = ipv6String(buf, ip + 24);
    seg.srcKey = `[${seg.srcAddr}]:${seg.srcPort}`;
    seg.dstKey = `[${seg.dstAddr}]:${seg.dstPort}`;
  } else {
    return 'not-ip';
  }
  const dataOffset = (buf[tcp + 12]! >> 4) * 4;
  if (dataOffset < 20) return 'truncated';
  seg.seq = u32be(buf, tcp + 4);
  seg.ack = u32be(buf, tcp + 8);
  seg.flags = buf[tcp + 13]!;
  seg.window = (buf[tcp + 14]! << 8) | buf[tcp + 15]!;
  const payload = tcp + dataOffset;
  seg.payloadLength = Math.max(0, ipEnd - payload);
  seg.data = buf;
  seg.payloadStart = Math.min(payload, end);
  seg.payloadEnd = Math.max(seg.payloadStart, Math.min(ipEnd, end));
  return null;
}

/** Printable addresses of the last decoded segment (computed on demand: only new connections need them). */
export function segmentAddresses(seg: TcpSegment): { src: string; dst: string } {
  if (seg.ipVersion === 6) return { src: seg.srcAddr, dst: seg.dstAddr };
  return { src: ipv4String(seg.srcIp4), dst: ipv4String(seg.dstIp4) };
}
