/**
 * The N largest items seen so far by a numeric key, in O(log N) per offer and O(N) memory: a
 * min-heap whose root is the smallest kept item, replaced when a larger one arrives.
 */
export class TopN<T> {
  private readonly heap: T[] = [];
  /**
   * The key an item must beat to be kept (-Infinity while there is room): wouldKeep() runs for every
   * request `run` counts, and a field read there is cheaper than calling the key function on the root.
   */
  private floor = -Infinity;

  constructor(
    readonly capacity: number,
    private readonly key: (item: T) => number,
  ) {}

  get length(): number {
    return this.heap.length;
  }

  offer(item: T): void {
    if (this.capacity <= 0) return;
    const h = this.heap;
    if (h.length < this.capacity) {
      h.push(item);
      this.up(h.length - 1);
    } else if (this.key(item) > this.key(h[0] as T)) {
      h[0] = item;
      this.down(0);
    } else return;
    if (h.length === this.capacity) this.floor = this.key(h[0] as T);
  }

  /** Whether an item with this key would be kept now (cheaper than building the item to offer it). */
  wouldKeep(key: number): boolean {
    return key > this.floor && this.capacity > 0;
  }

  /** Kept items, largest first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => this.key(b) - this.key(a));
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.key(h[parent] as T) <= this.key(h[i] as T)) return;
      [h[parent], h[i]] = [h[i] as T, h[parent] as T];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < h.length && this.key(h[l] as T) < this.key(h[min] as T)) min = l;
      if (r < h.length && this.key(h[r] as T) < this.key(h[min] as T)) min = r;
      if (min === i) return;
      [h[min], h[i]] = [h[i] as T, h[min] as T];
      i = min;
    }
  }
}
