/**
 * The metadata backend seam. MetaDb (db.ts) is what the engine calls; it delegates the raw
 * key/value work to one MetaBackend:
 * - LevelBackend (levelBackend.ts): classic-level / an injected abstract-level db; one process.
 * - PgBackend (pgBackend.ts): one ordered bytea key/value table in PostgreSQL, shared by several
 *   gateway processes ("stateless gateways", README "Several gateways").
 *
 * Semantics every backend gives (keys and values are raw Buffers, order is bytewise):
 * - get/getMany/cursor read committed data; a snapshot (when supported) pins one point in time.
 * - batch applies its ops atomically and in order (the last op on a key wins).
 * - exclusive(fn) runs fn holding the store-wide commit lock (across processes for a shared
 *   backend); fn's `write` applies the change's batch atomically with releasing that lock, so
 *   every read fn made before it is still current when the batch lands. The Committer
 *   (commit.ts) is the only caller besides batch itself.
 * - shared: other processes write the same data. In-process caches of metadata (bucket records,
 *   usage counters, the feed seq) must then be re-read under the lock, never trusted.
 * - groupSync: a batch written with sync=false is made durable by a later `sync()`, together
 *   with every batch written before it (LevelDB: one log, appended in order). The Committer then
 *   writes changes unsynced under the lock and lets concurrent changes share one `sync()` (group
 *   commit, commit.ts). false: a synced batch is durable on its own (PostgreSQL: COMMIT) and
 *   `sync()` does nothing.
 * - pins (shared backends only): chunk pins and read-lease horizons as rows with an expiry, so
 *   GC on one gateway never deletes a chunk another gateway is writing or reading (gc.ts).
 */
export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface IterateOptions {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  reverse?: boolean;
  limit?: number;
  values?: boolean;
  snapshot?: Snapshot;
}

export interface Snapshot {
  close(): Promise<void>;
}

/** A forward/backward cursor that can jump (seek) without re-creating the iterator. */
export interface Cursor {
  next(): Promise<[Buffer, Buffer] | undefined>;
  /** Forward: to the first key >= target; reverse: to the last key <= target (within the range). */
  seek(target: Buffer): void;
  close(): Promise<void>;
}

/** Applies one batch inside an exclusive section (see MetaBackend.exclusive). */
export type WriteBatch = (ops: BatchOp[], sync: boolean) => Promise<void>;

/** What GC may read inside the fence (SharedPins.fenced). */
export interface GcFence {
  /** The ids among `chunkIds` that a live pin (any process) holds. */
  pinned(chunkIds: string[]): Promise<Set<string>>;
  /** As MetaBackend.getMany, current as of now. */
  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]>;
}

/** Cross-process chunk pins and read horizons (shared backends). Chunk ids as in keys.ts. */
export interface SharedPins {
  /** Registers a pin of this process on `chunkId` (renewed if present; expires after a TTL). */
  pin(chunkId: string): Promise<void>;
  unpin(chunkId: string): Promise<void>;
  /**
   * Runs fn while no pin() can start or be in progress anywhere. GC checks and unlinks inside it,
   * reading through `fence` only (its own connection: pins waiting for the fence may hold the rest).
   */
  fenced<T>(fn: (fence: GcFence) => Promise<T>): Promise<T>;
  /** Publishes this process's oldest in-flight read start (epoch ms; Infinity: none). */
  publishReadHorizon(oldestMs: number): Promise<void>;
  /** The oldest in-flight read start over every live process (Infinity: none). */
  readHorizon(): Promise<number>;
}

export interface MetaBackend {
  readonly kind: 'level' | 'postgres';
  readonly shared: boolean;
  readonly supportsSnapshots: boolean;
  readonly pins?: SharedPins;
  readonly groupSync: boolean;
  snapshot(): Snapshot | undefined;
  get(key: Buffer, snapshot?: Snapshot): Promise<Buffer | undefined>;
  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]>;
  batch(ops: BatchOp[], sync: boolean): Promise<void>;
  cursor(opts: IterateOptions): Cursor;
  exclusive<T>(fn: (write: WriteBatch) => Promise<T>): Promise<T>;
  /** Makes every batch finished before the call durable (see groupSync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}
