/**
 * In-process coordination. The engine is the only writer of its database (LevelDB admits one
 * process), so in-memory locks are enough:
 * - Mutex: the commit lock (read-modify-write of metadata + the batch) and GC's deletion phase.
 * - KeyedMutex: per chunk hash, so "does the chunk file exist / write it" and GC's "unlink it"
 *   never interleave.
 * - PinSet: chunk hashes held by in-flight uploads between "chunk is on disk" and "commit
 *   references it"; GC never deletes a pinned chunk.
 * - ReadLeases: in-flight GET bodies, by the commit sequence they started after; GC keeps any
 *   chunk whose last reference went away after the oldest live lease began (see gc.ts).
 */

export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    let release!: () => void;
    const prev = this.tail;
    this.tail = new Promise<void>((r) => (release = r));
    this.pending++;
    try {
      await prev;
      return await fn();
    } finally {
      this.pending--;
      release();
    }
  }

  get busy(): boolean {
    return this.pending > 0;
  }
}

export class KeyedMutex {
  private readonly locks = new Map<string, { mutex: Mutex; users: number }>();

  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    let entry = this.locks.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.locks.set(key, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.run(fn);
    } finally {
      if (--entry.users === 0) this.locks.delete(key);
    }
  }

  /** Holds the locks of all `keys` (deduplicated, taken in sorted order so callers can't deadlock). */
  runMany<T>(keys: Iterable<string>, fn: () => Promise<T> | T): Promise<T> {
    const uniq = [...new Set(keys)].sort();
    const step = async (i: number): Promise<T> => (i === uniq.length ? fn() : this.run(uniq[i], () => step(i + 1)));
    return step(0);
  }

  get size(): number {
    return this.locks.size;
  }
}

/** A multiset of chunk hashes. */
export class PinSet {
  private readonly pins = new Map<string, number>();
  /** Called when a hash's last pin goes (chunkStore.ts releases the shared pin row). */
  onReleased: ((hash: string) => void) | undefined;

  pin(hash: string): void {
    this.pins.set(hash, (this.pins.get(hash) ?? 0) + 1);
  }

  unpin(hash: string): void {
    const n = this.pins.get(hash) ?? 0;
    if (n <= 1) {
      this.pins.delete(hash);
      if (n === 1) this.onReleased?.(hash);
    } else this.pins.set(hash, n - 1);
  }

  unpinAll(hashes: Iterable<string>): void {
    for (const h of hashes) this.unpin(h);
  }

  has(hash: string): boolean {
    return this.pins.has(hash);
  }

  get size(): number {
    return this.pins.size;
  }
}

export class ReadLeases {
  private readonly active = new Map<number, number>(); // startSeq -> count
  /** Wall-clock starts (epoch ms -> count): the horizon a shared backend publishes to other gateways. */
  private readonly started = new Map<number, number>();

  /** Returns the release function; calling it more than once is harmless. */
  acquire(startSeq: number): () => void {
    const at = Date.now();
    this.active.set(startSeq, (this.active.get(startSeq) ?? 0) + 1);
    this.started.set(at, (this.started.get(at) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = this.active.get(startSeq) ?? 0;
      if (n <= 1) this.active.delete(startSeq);
      else this.active.set(startSeq, n - 1);
      const m = this.started.get(at) ?? 0;
      if (m <= 1) this.started.delete(at);
      else this.started.set(at, m - 1);
    };
  }

  /** When the oldest live lease began (epoch ms), or Infinity when there are none. */
  oldestStartMs(): number {
    let min = Infinity;
    for (const s of this.started.keys()) if (s < min) min = s;
    return min;
  }

  /** The oldest start sequence among live leases, or Infinity when there are none. */
  oldest(): number {
    let min = Infinity;
    for (const s of this.active.keys()) if (s < min) min = s;
    return min;
  }

  get size(): number {
    let n = 0;
    for (const c of this.active.values()) n += c;
    return n;
  }
}
