/**
 * What a capture-file reader hands to the decoder for each packet. The bytes are a view into the
 * reader's current chunk: valid only during the call (copy what must outlive it).
 */
export type PacketSink = (data: Buffer, start: number, end: number, tsMs: number, linkType: number, fileOffset: number) => void;

/** The input stopped inside a record: its file offset and a one-line description. */
export interface CaptureTruncation {
  offset: number;
  message: string;
}

/** A streaming reader for one capture-file format: fed chunks in order, calls the sink per packet. */
export interface CaptureFileReader {
  readonly format: 'pcap' | 'pcapng';
  feed(chunk: Buffer): void;
  /**
   * No more input. Throws CaptureFormatError when even the file header is incomplete; returns where
   * the input stopped inside a record (the complete records before it were delivered).
   */
  end(): CaptureTruncation | undefined;
  readonly packets: number;
  /** Link types seen (pcap: one; pcapng: one per interface). */
  readonly linkTypes: ReadonlySet<number>;
}

/** Link types the decoder understands (LINKTYPE_* numbers from tcpdump.org). */
export const LINK = {
  null: 0,
  ethernet: 1,
  rawOpenBsd: 12,
  rawAlt: 14,
  raw: 101,
  loop: 108,
  sll: 113,
  ipv4: 228,
  ipv6: 229,
  sll2: 276,
} as const;

const SUPPORTED = new Set<number>(Object.values(LINK));

export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED.has(linkType);
}

/** Larger than any real packet (Wireshark's limit is 256 KiB); anything above means a corrupt length. */
export const MAX_PACKET_BYTES = 262_144;
