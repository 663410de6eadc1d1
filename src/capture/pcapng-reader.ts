import { CaptureFormatError } from '../errors.js';
import { isSupportedLinkType, MAX_PACKET_BYTES, type CaptureFileReader, type CaptureTruncation, type PacketSink } from './packet-sink.js';
import { RecordSplitter } from './record-splitter.js';

const BLOCK = { shb: 0x0a0d0d0a, idb: 1, opb: 2, spb: 3, epb: 6 } as const;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const MAX_BLOCK_BYTES = MAX_PACKET_BYTES + 64 * 1024;

interface Interface {
  linkType: number;
  snaplen: number;
  /** Milliseconds per timestamp unit (if_tsresol). */
  unitMs: number;
  /** if_tsoffset, in ms. */
  offsetMs: number;
}

/** pcapng: SHB, IDB, EPB, SPB (and the obsolete OPB); several sections and interfaces; per-interface resolution. */
export class PcapngReader extends RecordSplitter implements CaptureFileReader {
  readonly format = 'pcapng';
  readonly linkTypes = new Set<number>();
  packets = 0;
  private le = true;
  private sawSection = false;
  private interfaces: Interface[] = [];
  private lastTsMs = 0;

  constructor(private readonly sink: PacketSink) {
    super();
  }

  protected headerBytes(): number {
    // type + length, plus the section's byte-order magic (a section header tells its byte order there)
    return 12;
  }

  private u32(buf: Buffer, pos: number): number {
    return this.le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
  }

  private u16(buf: Buffer, pos: number): number {
    return this.le ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
  }

  protected recordLength(buf: Buffer, pos: number): number {
    const typeLe = buf.readUInt32LE(pos);
    if (typeLe === BLOCK.shb) {
      const bom = buf.readUInt32LE(pos + 8);
      if (bom === BYTE_ORDER_MAGIC) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else throw new CaptureFormatError('pcapng section header has a bad byte-order magic', this.offset + 8);
    } else if (!this.sawSection) {
      throw new CaptureFormatError(`not a pcap or pcapng file (magic 0x${buf.readUInt32BE(pos).toString(16).padStart(8, '0')})`, this.offset);
    }
    const len = this.u32(buf, pos + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_BYTES) {
      throw new CaptureFormatError(`pcapng block with impossible length ${len}`, this.offset + 4);
    }
    return len;
  }

  protected handleRecord(buf: Buffer, pos: number, len: number, fileOffset: number): void {
    if (this.u32(buf, pos + len - 4) !== len) {
      throw new CaptureFormatError('pcapng block length does not match its trailing copy', fileOffset + len - 4);
    }
    const type = this.u32(buf, pos);
    switch (type) {
      case BLOCK.shb:
        this.sawSection = true;
        this.interfaces = [];
        return;
      case BLOCK.idb:
        this.readInterface(buf, pos, len, fileOffset);
        return;
      case BLOCK.epb:
      case BLOCK.opb:
        this.readEnhancedPacket(buf, pos, len, fileOffset, type === BLOCK.opb);
        return;
      case BLOCK.spb:
        this.readSimplePacket(buf, pos, len, fileOffset);
        return;
      default:
        return; // name resolution, statistics, custom blocks: nothing we need
    }
  }

  private readInterface(buf: Buffer, pos: number, len: number, fileOffset: number): void {
    if (len < 20) throw new CaptureFormatError('pcapng interface block too short', fileOffset);
    const linkType = this.u16(buf, pos + 8);
    if (!isSupportedLinkType(linkType)) {
      throw new CaptureFormatError(`unsupported link type ${linkType} (interface ${this.interfaces.length})`, fileOffset + 8);
    }
    const iface: Interface = { linkType, snaplen: this.u32(buf, pos + 12), unitMs: 1e-3, offsetMs: 0 };
    let o = pos + 16;
    const end = pos + len - 4;
    while (o + 4 <= end) {
      const code = this.u16(buf, o);
      const olen = this.u16(buf, o + 2);
      if (code === 0) break;
      if (o + 4 + olen > end) throw new CaptureFormatError('pcapng interface option runs past its block', fileOffset + (o - pos));
      if (code === 9 && olen >= 1) {
        const r = buf[o + 4]!;
        // MSB clear: 10^-r seconds; set: 2^-(r & 0x7f) seconds
        const unitSec = r & 0x80 ? 2 ** -(r & 0x7f) : 10 ** -r;
        iface.unitMs = unitSec * 1000;
      } else if (code === 14 && olen >= 8) {
        const hi = this.u32(buf, o + 4 + (this.le ? 4 : 0));
        const lo = this.u32(buf, o + 4 + (this.le ? 0 : 4));
        iface.offsetMs = (hi * 2 ** 32 + lo) * 1000;
      }
      o += 4 + olen + ((4 - (olen % 4)) % 4);
    }
    this.interfaces.push(iface);
    this.linkTypes.add(linkType);
  }

  private iface(id: number, fileOffset: number): Interface {
    const i = this.interfaces[id];
    if (!i) throw new CaptureFormatError(`pcapng packet refers to interface ${id}, which was never described`, fileOffset + 8);
    return i;
  }

  private readEnhancedPacket(buf: Buffer, pos: number, len: number, fileOffset: number, obsolete: boolean): void {
    if (len < 32) throw new CaptureFormatError('pcapng packet block too short', fileOffset);
    const iface = this.iface(obsolete ? this.u16(buf, pos + 8) : this.u32(buf, pos + 8), fileOffset);
    const hi = this.u32(buf, pos + 12);
    const lo = this.u32(buf, pos + 16);
    const caplen = this.u32(buf, pos + 20);
    if (caplen > len - 32) throw new CaptureFormatError(`pcapng packet claims ${caplen} captured bytes in a ${len}-byte block`, fileOffset + 20);
    const tsMs = hi * 2 ** 32 * iface.unitMs + lo * iface.unitMs + iface.offsetMs;
    this.lastTsMs = tsMs;
    this.packets++;
    this.sink(buf, pos + 28, pos + 28 + caplen, tsMs, iface.linkType, fileOffset);
  }

  private readSimplePacket(buf: Buffer, pos: number, len: number, fileOffset: number): void {
    if (len < 16) throw new CaptureFormatError('pcapng simple packet block too short', fileOffset);
    const iface = this.iface(0, fileOffset);
    const origLen = this.u32(buf, pos + 8);
    let caplen = Math.min(origLen, len - 16);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    this.packets++;
    // simple packets carry no timestamp: the previous packet's time is the best guess
    this.sink(buf, pos + 12, pos + 12 + caplen, this.lastTsMs, iface.linkType, fileOffset);
  }

  end(): CaptureTruncation | undefined {
    if (!this.sawSection) throw new CaptureFormatError('truncated pcapng section header', this.offset);
    return this.truncation(`pcapng block after packet ${this.packets}`);
  }
}
