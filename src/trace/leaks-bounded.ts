/** Sets of strings per key, with a cap on keys and on members per key (leak detection must not leak). */
export class BoundedSets {
  private readonly map = new Map<string, Set<string>>();
  constructor(
    private readonly maxKeys: number,
    private readonly maxPerKey: number,
  ) {}

  add(key: string, member: string): void {
    let set = this.map.get(key);
    if (!set) {
      if (this.map.size >= this.maxKeys) return;
      this.map.set(key, (set = new Set()));
    }
    if (set.size < this.maxPerKey) set.add(member);
  }

  delete(key: string, member: string): void {
    this.map.get(key)?.delete(member);
  }

  size(key: string): number {
    return this.map.get(key)?.size ?? 0;
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  sizes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.map) out[k] = v.size;
    return out;
  }
}

/** Counts per key, with a cap on keys. */
export class BoundedCounter {
  private readonly map = new Map<string, number>();
  constructor(private readonly maxKeys: number) {}

  add(key: string, by = 1): void {
    if (!this.map.has(key) && this.map.size >= this.maxKeys) return;
    this.map.set(key, (this.map.get(key) ?? 0) + by);
  }

  toRecord(): Record<string, number> {
    return Object.fromEntries(this.map);
  }
}
