/**
 * The N largest items seen so far by a numeric key, in O(log N) per offer and O(N) memory: a
 * min-heap whose root is the smallest kept item, replaced when a larger one arrives. Each item comes
 * with its key (the caller has read it already) and the key is kept beside it: the heap's comparisons
 * read numbers, not a key function per step.
 */
export class TopN<T> {
  private readonly items: T[] = [];
  private readonly keys: number[] = [];
  /**
   * The key an item must beat to be kept (-Infinity while there is room): wouldKeep() runs for every
   * request `run` counts, and a field read there is cheaper than reading the root's key.
   */
  private floor = -Infinity;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  offer(item: T, key: number): void {
    if (this.capacity <= 0) return;
    const items = this.items;
    if (items.length < this.capacity) {
      items.push(item);
      this.keys.push(key);
      this.up(items.length - 1);
    } else if (key > this.keys[0]!) {
      items[0] = item;
      this.keys[0] = key;
      this.down(0);
    } else return;
    if (items.length === this.capacity) this.floor = this.keys[0]!;
  }

  /** Whether an item with this key would be kept now (cheaper than building the item to offer it). */
  wouldKeep(key: number): boolean {
    return key > this.floor && this.capacity > 0;
  }

  /** Kept items, largest first. */
  sorted(): T[] {
    const order = this.items.map((_, i) => i).sort((a, b) => this.keys[b]! - this.keys[a]!);
    return order.map((i) => this.items[i]!);
  }

  private swap(a: number, b: number): void {
    const { items, keys } = this;
    const item = items[a]!;
    items[a] = items[b]!;
    items[b] = item;
    const key = keys[a]!;
    keys[a] = keys[b]!;
    keys[b] = key;
  }

  private up(i: number): void {
    const keys = this.keys;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= keys[i]!) return;
      this.swap(parent, i);
      i = parent;
    }
  }

  private down(i: number): void {
    const keys = this.keys;
    const n = keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && keys[l]! < keys[min]!) min = l;
      if (r < n && keys[r]! < keys[min]!) min = r;
      if (min === i) return;
      this.swap(min, i);
      i = min;
    }
  }
}
