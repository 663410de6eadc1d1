import { H2ProtocolError } from '../../errors.js';
import { STATIC_COUNT, STATIC_TABLE } from './hpack-static.js';

/** An entry's size counts its octets plus 32 (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

/**
 * The HPACK dynamic table of one decoding context (RFC 7541 §2.3.2, §4): newest entry at index 62,
 * evicted oldest first when an insert or a size update would exceed the maximum. A ring of slots:
 * nothing moves on insert or eviction.
 */
export class DynamicTable {
  private names: string[] = new Array(16);
  private values: string[] = new Array(16);
  private sizes = new Int32Array(16);
  /** Slot of the oldest entry. */
  private head = 0;
  count = 0;
  size = 0;
  /** Bumped by every change (insert, eviction, resize): a decode that left it unchanged can be replayed. */
  version = 0;

  /** `maxSize`: the size the encoder chose (≤ `limit`, the SETTINGS_HEADER_TABLE_SIZE we announced). */
  constructor(
    private maxSize: number,
    private readonly limit: number,
  ) {}

  /** A dynamic table size update (RFC 7541 §6.3): above our announced limit it is a COMPRESSION_ERROR. */
  resize(size: number): void {
    if (size > this.limit) throw new H2ProtocolError('COMPRESSION_ERROR', `an HPACK table size update to ${size} is above SETTINGS_HEADER_TABLE_SIZE ${this.limit}`);
    this.maxSize = size;
    this.version++;
    this.evict(0);
  }

  add(name: string, value: string): void {
    const entry = name.length + value.length + ENTRY_OVERHEAD;
    this.version++;
    // an entry larger than the table empties it and is not added (RFC 7541 §4.4)
    if (entry > this.maxSize) {
      this.evict(this.maxSize + 1);
      return;
    }
    this.evict(entry);
    if (this.count === this.names.length) this.grow();
    const slot = (this.head + this.count) % this.names.length;
    this.names[slot] = name;
    this.values[slot] = value;
    this.sizes[slot] = entry;
    this.count++;
    this.size += entry;
  }

  /** Name of HPACK index `i` (static 1..61, then dynamic newest first); an index beyond both is a COMPRESSION_ERROR. */
  name(i: number): string {
    if (i >= 1 && i <= STATIC_COUNT) return STATIC_TABLE[i]![0];
    return this.names[this.slot(i)]!;
  }

  value(i: number): string {
    if (i >= 1 && i <= STATIC_COUNT) return STATIC_TABLE[i]![1];
    return this.values[this.slot(i)]!;
  }

  private slot(i: number): number {
    const d = i - STATIC_COUNT;
    if (i < 1 || d > this.count) throw new H2ProtocolError('COMPRESSION_ERROR', `HPACK index ${i} is beyond the static and dynamic tables (${STATIC_COUNT + this.count} entries)`);
    return (this.head + this.count - d) % this.names.length;
  }

  /** Evicts the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.count > 0 && this.size + room > this.maxSize) {
      this.size -= this.sizes[this.head]!;
      this.names[this.head] = '';
      this.values[this.head] = '';
      this.head = (this.head + 1) % this.names.length;
      this.count--;
    }
  }

  private grow(): void {
    const n = this.names.length;
    const names: string[] = new Array(n * 2);
    const values: string[] = new Array(n * 2);
    const sizes = new Int32Array(n * 2);
    for (let k = 0; k < this.count; k++) {
      const from = (this.head + k) % n;
      names[k] = this.names[from]!;
      values[k] = this.values[from]!;
      sizes[k] = this.sizes[from]!;
    }
    this.names = names;
    this.values = values;
    this.sizes = sizes;
    this.head = 0;
  }
}
