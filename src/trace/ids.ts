/**
 * Stable ids for the objects that own connections (http.Agent, undici connector, h2 session),
 * held in a WeakMap so an id never keeps its owner alive.
 */
export class PoolIds {
  private readonly ids = new WeakMap<object, string>();
  private next = 0;

  of(owner: object, kind: string): string {
    let id = this.ids.get(owner);
    if (id === undefined) {
      id = `${kind}#${++this.next}`;
      this.ids.set(owner, id);
    }
    return id;
  }
}

/** Sequential ids with a prefix ('c1', 'r1', ...). */
export class Counter {
  private n = 0;
  constructor(private readonly prefix: string) {}
  next(): string {
    return this.prefix + ++this.n;
  }
}
