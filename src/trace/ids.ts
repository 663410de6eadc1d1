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

/** Owners of the pools that sources outside the tracer keep (bench's raw engine): 'raw#1', 'raw#2' … in this process. */
const OWN_POOLS = new PoolIds();

/**
 * Ids for a source that builds its own records instead of being traced (bench's raw engine):
 * a pool id per owner, and connections and requests numbered as the tracer numbers them ('c1', 'r1'),
 * so their records link up (`connectionId`, `poolId`) the way traced ones do.
 */
export class RecordIds {
  readonly poolId: string;
  private readonly connections = new Counter('c');
  private readonly requests = new Counter('r');

  constructor(owner: object, kind: string) {
    this.poolId = OWN_POOLS.of(owner, kind);
  }

  connection(): string {
    return this.connections.next();
  }

  request(): string {
    return this.requests.next();
  }
}
