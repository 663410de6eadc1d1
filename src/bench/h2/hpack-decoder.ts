import { H2ProtocolError } from '../../errors.js';
import { huffmanDecode } from './hpack-huffman.js';
import { decodeInt } from './hpack-integer.js';
import { STATIC_COUNT, STATIC_TABLE } from './hpack-static.js';
import { DynamicTable } from './hpack-table.js';

export interface DecoderLimits {
  /** SETTINGS_HEADER_TABLE_SIZE we announced (the encoder may not use more). */
  tableSize: number;
  /**
   * Most decoded octets in one header list, counted as RFC 9113 §6.5.2 does (name + value + 32 per
   * field). Also what stops an HPACK bomb: a small block that references one large table entry many
   * times decodes to far more than it weighs, and is cut off here.
   */
  maxHeaderListSize: number;
}

/**
 * An HPACK decoder (RFC 7541): one per connection, fed every header block in order (also blocks of
 * streams the client no longer cares about, or the dynamic table goes out of step with the server's).
 */
export class HpackDecoder {
  private readonly table: DynamicTable;
  private readonly cursor = { pos: 0 };
  /**
   * The last block worth replaying, its fields, and what it did to the table. A server that answers alike
   * sends the same bytes again and again, and the same bytes decode to the same fields when either they
   * read nothing from the dynamic table (nginx: literals only, added with incremental indexing, the date
   * changing once a second) or the table is as it was (node:http2: references to entries added earlier).
   * A replay pushes the fields and adds the same entries again: the table stays in step, nothing is
   * decoded. Decoding (Huffman strings) was the engine's largest cost of its own in a profile against nginx.
   */
  private lastBlock = Buffer.alloc(0);
  private lastFields: string[] = [];
  /** Entries the last block added (name, value, ...). */
  private lastAdds: string[] = [];
  /** The table version the last block needs, or -1 when it read nothing from the dynamic table. */
  private lastNeeds = -2;
  /** Set during a decode: it read a dynamic entry / changed the table size. */
  private readDynamic = false;

  constructor(private readonly limits: DecoderLimits) {
    this.table = new DynamicTable(limits.tableSize, limits.tableSize);
  }

  /** Entries and octets in the dynamic table (for tests). */
  get tableState(): { count: number; size: number } {
    return { count: this.table.count, size: this.table.size };
  }

  /**
   * Decodes one complete header block into `out` as name, value, name, value ... Throws
   * H2ProtocolError (COMPRESSION_ERROR) on anything RFC 7541 forbids or above the limits: the
   * connection is then unusable, as its table may be out of step.
   */
  decode(block: Buffer, start = 0, end = block.length, out: string[] = []): string[] {
    const table = this.table;
    if ((this.lastNeeds === -1 || this.lastNeeds === table.version) && this.sameAsLast(block, start, end)) {
      const fields = this.lastFields;
      for (let i = 0; i < fields.length; i++) out.push(fields[i]!);
      const adds = this.lastAdds;
      for (let i = 0; i < adds.length; i += 2) table.add(adds[i]!, adds[i + 1]!);
      return out;
    }
    return this.decodeFresh(block, start, end, out);
  }

  /**
   * decode() of a block that is not a replay. A method of its own: the replay above is what runs for almost every
   * response, and V8 optimises a function after a number of calls that grows with its bytecode, so the replay alone
   * is optimised within a short warm-up where the whole decoder was not (and a connection's first blocks, which
   * take branches the replays never do, no longer deoptimise it).
   */
  private decodeFresh(block: Buffer, start: number, end: number, out: string[]): string[] {
    const table = this.table;
    const version = table.version;
    const first = out.length;
    const adds: string[] = [];
    let resized = false;
    this.readDynamic = false;
    const c = this.cursor;
    let pos = start;
    let listSize = 0;
    let fields = false;
    while (pos < end) {
      const b = block[pos]!;
      let name: string;
      let value: string;
      if (b & 0x80) {
        // indexed field (§6.1)
        const i = decodeInt(block, pos, end, 7, c);
        pos = c.pos;
        if (i === 0) throw new H2ProtocolError('COMPRESSION_ERROR', 'HPACK index 0');
        name = this.name(i);
        value = i > STATIC_COUNT ? table.value(i) : STATIC_TABLE[i]![1];
      } else if ((b & 0xe0) === 0x20) {
        // dynamic table size update (§6.3): only before the first field of a block
        if (fields) throw new H2ProtocolError('COMPRESSION_ERROR', 'an HPACK table size update after a header field');
        const size = decodeInt(block, pos, end, 5, c);
        pos = c.pos;
        table.resize(size);
        resized = true;
        continue;
      } else {
        // literal: with incremental indexing (§6.2.1, 01), without (0000) or never indexed (0001)
        const indexing = (b & 0xc0) === 0x40;
        const i = decodeInt(block, pos, end, indexing ? 6 : 4, c);
        pos = c.pos;
        if (i === 0) {
          name = this.string(block, pos, end);
          pos = c.pos;
        } else name = this.name(i);
        value = this.string(block, pos, end);
        pos = c.pos;
        if (indexing) {
          table.add(name, value);
          adds.push(name, value);
        }
      }
      fields = true;
      listSize += name.length + value.length + 32;
      if (listSize > this.limits.maxHeaderListSize) {
        throw new H2ProtocolError('COMPRESSION_ERROR', `the decoded header list is above ${this.limits.maxHeaderListSize} bytes (an HPACK bomb, or headers too large)`);
      }
      out.push(name, value);
    }
    // replayable: it read no dynamic entry (then whatever the table holds), or it left the table alone
    const needs = resized ? -2 : !this.readDynamic ? -1 : adds.length === 0 ? version : -2;
    if (end - start <= 1024) {
      this.lastBlock = Buffer.from(block.subarray(start, end));
      this.lastFields = out.slice(first);
      this.lastAdds = adds;
      this.lastNeeds = needs;
    }
    return out;
  }

  /** Name of index `i`, noting a read from the dynamic table. */
  private name(i: number): string {
    if (i > STATIC_COUNT) this.readDynamic = true;
    return this.table.name(i);
  }

  private sameAsLast(block: Buffer, start: number, end: number): boolean {
    const last = this.lastBlock;
    if (end - start !== last.length) return false;
    for (let i = 0; i < last.length; i++) if (block[start + i] !== last[i]) return false;
    return true;
  }

  /** A string literal (§5.2) at `pos`; the position after it goes to the cursor. */
  private string(block: Buffer, pos: number, end: number): string {
    if (pos >= end) throw new H2ProtocolError('COMPRESSION_ERROR', 'an HPACK string runs past the end of the header block');
    const huffman = (block[pos]! & 0x80) !== 0;
    const len = decodeInt(block, pos, end, 7, this.cursor);
    const from = this.cursor.pos;
    if (len > end - from) throw new H2ProtocolError('COMPRESSION_ERROR', `an HPACK string of ${len} bytes runs past the end of the header block`);
    // a string alone above the list limit: refused before it is decoded (Huffman output is up to 8/5 of its input)
    if (len > this.limits.maxHeaderListSize) throw new H2ProtocolError('COMPRESSION_ERROR', `an HPACK string of ${len} bytes is above ${this.limits.maxHeaderListSize} bytes`);
    this.cursor.pos = from + len;
    return huffman ? huffmanDecode(block, from, from + len) : block.toString('latin1', from, from + len);
  }
}
