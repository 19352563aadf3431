/**
 * The commit path. Every logical change runs as `committer.run(tx => ...)`: under one commit
 * mutex it reads what it needs, stages puts/dels and reference-count deltas on `tx`, and the
 * committer turns that into ONE db.batch (sync when fsync is on) that also carries the chunk
 * refcounts (C/), GC markers (Z/) and usage counters (T/, S/chunks) the change implies.
 *
 * One mutex keeps the read-modify-write of refcounts trivially correct. Chunk streaming and
 * hashing never happen under it, only metadata reads and the batch.
 *
 * Group commit (fsync on, a backend with groupSync: LevelDB): under the mutex a change's batch
 * is written WITHOUT sync — it is then visible to the next change's reads, so changes still
 * apply strictly one after another — and the mutex is released at once. Durability comes after,
 * outside the mutex: every finished change waits for one `db.sync()` that starts after its batch
 * was written; while one sync runs, the changes finishing meanwhile queue up and share the next
 * one. So N concurrent small PUTs cost ~N unsynced appends + a few fsyncs instead of N fsyncs in
 * a row, and `run()` still resolves only once the change is durable (acknowledged = durable).
 * A crash loses at most a suffix of unacknowledged changes (the log is replayed in order).
 * Feed events are announced (`onEvents`) only once durable; feed readers, and the S3 server
 * before it answers any request (commit-wait), wait for `durableNow()`, so nothing a power loss
 * could still take back is ever shown; `afterCommit` hooks (in-memory caches that must match what the next change
 * reads) run right after the write, under the mutex. PostgreSQL commits are durable on their
 * own (groupSync false): each change's transaction commits synced, as before.
 */
import { S3Error, internalError } from '../errors';
import { type BatchOp, type MetaDb, json } from './db';
import type { WriteBatch } from './backend';
import { Mutex } from './locks';
import * as keys from './keys';
import type { ChunkRef } from '../types';
import type { RequestInfo } from '../feed/requestInfo';
import { lifecycleEventName, sequencerOf, type FeedEvent, type PendingEvent } from '../feed/events';

export interface ChunkRecord {
  refs: number;
  size: number;
  /** Set while refs === 0: when the last reference went away (matches the Z/ marker). */
  zeroedAt?: number;
}

export interface BucketStats {
  objects: number;
  /** Logical bytes (sum of object sizes). */
  bytes: number;
  /** Bytes of bodies stored inline in metadata (X/), part of physical usage. */
  inlineBytes?: number;
}

export interface ChunkStats {
  chunks: number;
  bytes: number;
}

export class Txn {
  readonly ops: BatchOp[] = [];
  readonly now = Date.now();
  /** By chunk id (keys.ts). */
  readonly refDeltas = new Map<string, { delta: number; size: number }>();
  readonly bucketDeltas = new Map<string, Required<BucketStats>>();
  readonly droppedBuckets = new Set<string>();
  readonly chunkDelta: ChunkStats = { chunks: 0, bytes: 0 };
  readonly dropped = new Set<string>();
  readonly hooks: (() => void)[] = [];
  /** Change-feed events of this change: written in the same batch (feed/). */
  readonly events: PendingEvent[] = [];
  /** Set by workers: "lifecycle" renames removals to LifecycleExpiration:* events. */
  source?: 'lifecycle';
  /** Filled by the Committer once the batch is durable (the seqs the events got). */
  readonly committedEvents: FeedEvent[] = [];

  constructor(readonly requestInfo?: RequestInfo) {}

  /** Appends a change-feed event for this change (no change without its event, and back). */
  event(e: PendingEvent): void {
    this.events.push(this.source === 'lifecycle' ? { ...e, event: lifecycleEventName(e.event) } : e);
  }

  put(key: Buffer, value: Buffer | object): void {
    this.ops.push({ type: 'put', key, value: Buffer.isBuffer(value) ? value : json(value) });
  }

  del(key: Buffer): void {
    this.ops.push({ type: 'del', key });
  }

  /** +1 (or -1) reference for every entry of `chunks` (repeats count). */
  ref(chunks: Iterable<ChunkRef>, sign: 1 | -1): void {
    for (const c of chunks) {
      const id = keys.chunkId(c.placement, c.hash);
      const d = this.refDeltas.get(id);
      if (d) d.delta += sign;
      else this.refDeltas.set(id, { delta: sign, size: c.size });
    }
  }

  bucketStats(bucketId: string, objects: number, bytes: number, inlineBytes = 0): void {
    const s = this.bucketDeltas.get(bucketId) ?? { objects: 0, bytes: 0, inlineBytes: 0 };
    s.objects += objects;
    s.bytes += bytes;
    s.inlineBytes += inlineBytes;
    this.bucketDeltas.set(bucketId, s);
  }

  /** A deleted bucket's counters go away with it. */
  dropBucketStats(bucketId: string): void {
    this.del(keys.bucketStatsKey(bucketId));
    this.droppedBuckets.add(bucketId);
  }

  /** Runs once the batch is written (readable), still under the commit lock (keeps in-memory caches exact). */
  afterCommit(fn: () => void): void {
    this.hooks.push(fn);
  }

  /** GC only: forget a chunk (by chunk id) whose refs are 0 (its file is unlinked after the commit). */
  dropChunk(hash: string, rec: ChunkRecord): void {
    this.del(keys.chunkKey(hash));
    if (rec.zeroedAt !== undefined) this.del(keys.gcMarkerKey(rec.zeroedAt, hash));
    this.chunkDelta.chunks -= 1;
    this.chunkDelta.bytes -= rec.size;
    this.dropped.add(hash);
  }
}

const U = 'U'.charCodeAt(0);
const K = 'K'.charCodeAt(0);
const SLASH = '/'.charCodeAt(0);
/** A user (U/) or access key (K/) record. */
function isAccountOp(op: BatchOp): boolean {
  const k = op.key;
  return k.length > 1 && (k[0] === U || k[0] === K) && k[1] === SLASH;
}

export class Committer {
  private readonly mutex = new Mutex();
  /** Number of batches written by this process (see ReadLeases / gc.ts). */
  seq = 0;
  /** For chunks (by id) whose refs hit 0 in this process: the seq of that commit. */
  readonly zeroSeq = new Map<string, number>();
  // This process is the only writer of T/ and S/chunks, so their current values can live in
  // memory (loaded on first use) instead of being re-read by every commit.
  private readonly bucketStatsCache = new Map<string, Required<BucketStats>>();
  private chunkStatsCache: ChunkStats | undefined;
  /** Next change-feed seq (loaded on first use from S/feedSeq: recovered on open). */
  private feedNext: number | undefined;
  /** Called once a batch with feed events is durable (wakes feed readers), outside the lock. */
  onEvents: ((events: FeedEvent[]) => void) | undefined;

  /** Group syncs done (each made one or more changes durable). */
  syncs = 0;
  /** fsync on and the backend groups syncs: batches are written unsynced, then `durable()`. */
  private readonly group: boolean;
  /** Changes written (unsynced) and waiting for the next sync. */
  private syncWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** The sync in progress, if any. */
  private syncing: Promise<void> | undefined;
  /** Batches written so far, and how many of them a finished sync covers (see durableNow). */
  private written = 0;
  /**
   * Set by the first failed group sync, for good (fsyncgate): every later change and durable-wait
   * fails with it (503), so nothing written since the last good sync is ever acknowledged or shown.
   */
  private syncFailure: S3Error | undefined;
  /** Bumped after every batch that wrote a user or access key record (accounts/keyCache.ts). */
  accountEpoch = 0;
  private covered = 0;

  constructor(
    private readonly db: MetaDb,
    private readonly sync: boolean,
  ) {
    this.group = sync && db.groupSync;
  }

  /** `info`: who asked for this change; its feed events carry it (feed/requestInfo.ts). */
  async run<T>(fn: (tx: Txn) => Promise<T> | T, info?: RequestInfo): Promise<T> {
    if (this.syncFailure) throw this.syncFailure;
    // The in-process mutex, then the store's commit lock (a no-op for LevelDB; across gateways
    // for a shared backend, whose batch commits and releases it: backend.ts).
    const { result, tx, wrote } = await this.mutex.run(() =>
      this.db.exclusive(async (writeBatch) => {
        if (this.syncFailure) throw this.syncFailure; // failed while this change queued for the lock
        const tx = new Txn(info);
        const result = await fn(tx);
        const wrote = await this.write(tx, writeBatch);
        return { result, tx, wrote };
      }),
    );
    if (wrote && this.group) await this.durable();
    if (tx.committedEvents.length) this.onEvents?.(tx.committedEvents);
    return result;
  }

  /** Resolves once everything written so far is durable (joins the next group sync). */
  private durable(): Promise<void> {
    if (this.syncFailure) return Promise.reject(this.syncFailure);
    return new Promise<void>((resolve, reject) => {
      this.syncWaiters.push({ resolve, reject });
      if (!this.syncing) this.startSync();
    });
  }

  /**
   * Resolves once every batch written so far is durable (at once when nothing is pending).
   * Readers that hand data on (the change feed) call it so they never pass along a change a
   * power loss could still take back.
   */
  async durableNow(): Promise<void> {
    if (this.group && this.covered < this.written) await this.durable();
  }

  private startSync(): void {
    const group = this.syncWaiters;
    this.syncWaiters = [];
    if (this.syncFailure) {
      // Never again: a sync after a failed one can succeed while what the failed one covered is
      // lost, so nothing queued meanwhile may be acknowledged (and `covered` never advances).
      for (const w of group) w.reject(this.syncFailure);
      return;
    }
    const upTo = this.written;
    this.syncing = this.db.sync().then(
      () => {
        if (this.syncFailure) {
          for (const w of group) w.reject(this.syncFailure);
          return;
        }
        this.syncs++;
        this.covered = Math.max(this.covered, upTo);
        for (const w of group) w.resolve();
      },
      (e) => {
        // Sticky: what this sync covered may be gone, and a later fsync can't tell (the kernel
        // reports a lost writeback once, then forgets). So no change is acknowledged, and no read
        // that may have seen the unsynced ones answered, until a restart (see syncFailure).
        this.syncFailure ??= new S3Error(
          'ServiceUnavailable',
          `The metadata store failed to make changes durable (${(e as Error)?.message ?? e}); this server accepts no changes until it is restarted.`,
        );
        for (const w of group) w.reject(this.syncFailure);
      },
    );
    void this.syncing.finally(() => {
      this.syncing = undefined;
      if (this.syncWaiters.length) this.startSync();
    });
  }

  /** The next feed seq (under the commit lock or after drain). */
  async nextFeedSeq(): Promise<number> {
    // Shared backend: other gateways append too, so the seq is always read from the database.
    if (this.feedNext === undefined || this.db.shared) {
      const s = await this.db.getJson<{ next: number }>(keys.settingKey(keys.FEED_SEQ_SETTING));
      let next = s?.next ?? 1;
      // Belt and braces: never reuse a seq an event already has.
      const last = await this.db.all({ ...keys.feedRange(), reverse: true, limit: 1, values: false });
      if (last.length) next = Math.max(next, keys.decodeFeedEventKey(last[0][0]) + 1);
      this.feedNext = next;
    }
    return this.feedNext;
  }

  /** Resolves once every commit queued before it has finished and is durable. */
  async drain(): Promise<void> {
    await this.mutex.run(() => undefined);
    while (this.syncing) await this.syncing.catch(() => undefined);
  }

  /** Stages the derived records and writes the batch (unsynced under group commit). True when something was written. */
  private async write(tx: Txn, writeBatch: WriteBatch): Promise<boolean> {
    // Other gateways commit too: the cached counters and feed seq are re-read under the lock.
    if (this.db.shared) {
      this.bucketStatsCache.clear();
      this.chunkStatsCache = undefined;
      this.feedNext = undefined;
    }
    const ops = tx.ops;
    const zeroed: string[] = [];
    const revived: string[] = [];

    const hashes = [...tx.refDeltas.keys()].filter((h) => tx.refDeltas.get(h)!.delta !== 0);
    const recs = await this.db.getMany(hashes.map(keys.chunkKey));
    hashes.forEach((hash, i) => {
      const { delta, size } = tx.refDeltas.get(hash)!;
      const raw = recs[i];
      const cur = raw ? (JSON.parse(raw.toString('utf8')) as ChunkRecord) : undefined;
      if (!cur) {
        if (delta < 0) throw internalError(`refcount underflow for chunk ${hash}`);
        ops.push({ type: 'put', key: keys.chunkKey(hash), value: json({ refs: delta, size }) });
        tx.chunkDelta.chunks += 1;
        tx.chunkDelta.bytes += size;
        return;
      }
      const refs = cur.refs + delta;
      if (refs < 0) throw internalError(`refcount underflow for chunk ${hash}`);
      const next: ChunkRecord = { refs, size: cur.size };
      if (refs === 0) {
        if (cur.refs > 0 || cur.zeroedAt === undefined) {
          next.zeroedAt = tx.now;
          ops.push({ type: 'put', key: keys.gcMarkerKey(tx.now, hash), value: Buffer.alloc(0) });
          zeroed.push(hash);
        } else next.zeroedAt = cur.zeroedAt;
      } else if (cur.zeroedAt !== undefined) {
        ops.push({ type: 'del', key: keys.gcMarkerKey(cur.zeroedAt, hash) });
        revived.push(hash);
      }
      ops.push({ type: 'put', key: keys.chunkKey(hash), value: json(next) });
    });

    const newBucketStats = new Map<string, Required<BucketStats>>();
    const missing = [...tx.bucketDeltas.keys()].filter((id) => !this.bucketStatsCache.has(id));
    if (missing.length) {
      const raw = await this.db.getMany(missing.map(keys.bucketStatsKey));
      missing.forEach((id, i) => {
        const s = raw[i] ? (JSON.parse(raw[i]!.toString('utf8')) as BucketStats) : undefined;
        this.bucketStatsCache.set(id, { objects: s?.objects ?? 0, bytes: s?.bytes ?? 0, inlineBytes: s?.inlineBytes ?? 0 });
      });
    }
    for (const [id, d] of tx.bucketDeltas) {
      if (d.objects === 0 && d.bytes === 0 && d.inlineBytes === 0) continue;
      const s = this.bucketStatsCache.get(id)!;
      const next = { objects: s.objects + d.objects, bytes: s.bytes + d.bytes, inlineBytes: s.inlineBytes + d.inlineBytes };
      newBucketStats.set(id, next);
      ops.push({ type: 'put', key: keys.bucketStatsKey(id), value: json(next) });
    }

    let newChunkStats: ChunkStats | undefined;
    if (tx.chunkDelta.chunks !== 0 || tx.chunkDelta.bytes !== 0) {
      const key = keys.settingKey(keys.CHUNK_STATS_SETTING);
      const s = this.chunkStatsCache ?? (await this.db.getJson<ChunkStats>(key)) ?? { chunks: 0, bytes: 0 };
      newChunkStats = { chunks: s.chunks + tx.chunkDelta.chunks, bytes: s.bytes + tx.chunkDelta.bytes };
      ops.push({ type: 'put', key, value: json(newChunkStats) });
    }

    let feedNext: number | undefined;
    if (tx.events.length) {
      let seq = await this.nextFeedSeq();
      const info = tx.requestInfo;
      for (const e of tx.events) {
        // Copy, then add: `{ ...e, seq, ... }` takes V8's slow spread path (see records.ts toMeta).
        const ev = Object.assign({}, e) as FeedEvent;
        ev.seq = seq;
        ev.sequencer = sequencerOf(seq);
        ev.time = tx.now;
        if (info?.requester !== undefined) ev.requester = info.requester;
        if (info?.sourceIp !== undefined) ev.sourceIp = info.sourceIp;
        if (info?.requestId !== undefined) ev.requestId = info.requestId;
        if (info?.hostId !== undefined) ev.hostId = info.hostId;
        ops.push({ type: 'put', key: keys.feedEventKey(seq), value: json(ev) });
        tx.committedEvents.push(ev);
        seq++;
      }
      feedNext = seq;
      ops.push({ type: 'put', key: keys.settingKey(keys.FEED_SEQ_SETTING), value: json({ next: seq }) });
    }

    // Group commit: written unsynced here, made durable by run()'s shared sync (see the top).
    if (ops.length > 0) {
      await writeBatch(ops, this.sync && !this.group);
      this.seq++;
      this.written++;
      // After the write: a lookup cached under the old epoch is stale from now on (keyCache.ts).
      if (ops.some(isAccountOp)) this.accountEpoch++;
    }
    for (const [id, v] of newBucketStats) this.bucketStatsCache.set(id, v);
    for (const id of tx.droppedBuckets) this.bucketStatsCache.delete(id);
    if (newChunkStats) this.chunkStatsCache = newChunkStats;
    if (feedNext !== undefined) this.feedNext = feedNext;
    for (const fn of tx.hooks) fn();
    for (const h of zeroed) this.zeroSeq.set(h, this.seq);
    for (const h of revived) this.zeroSeq.delete(h);
    for (const h of tx.dropped) this.zeroSeq.delete(h);
    return ops.length > 0;
  }
}

/** What operations use of the commit path (a Committer, or one request's view of it). */
export type CommitPath = Pick<Committer, 'run' | 'seq' | 'zeroSeq' | 'accountEpoch' | 'nextFeedSeq' | 'durableNow' | 'drain'>;

/**
 * The commit path as one request (or worker) sees it: its changes carry `info` into the change
 * feed. Passed explicitly instead of through AsyncLocalStorage, whose promise hooks cost every
 * request 10-25% more CPU on Node 20 (measured on 4 KiB GET/HEAD).
 */
export class RequestCommitter implements CommitPath {
  constructor(
    private readonly base: CommitPath,
    private readonly info: RequestInfo,
  ) {}

  run<T>(fn: (tx: Txn) => Promise<T> | T, info: RequestInfo = this.info): Promise<T> {
    return this.base.run(fn, info);
  }
  get seq(): number {
    return this.base.seq;
  }
  get zeroSeq(): Map<string, number> {
    return this.base.zeroSeq;
  }
  get accountEpoch(): number {
    return this.base.accountEpoch;
  }
  nextFeedSeq(): Promise<number> {
    return this.base.nextFeedSeq();
  }
  durableNow(): Promise<void> {
    return this.base.durableNow();
  }
  drain(): Promise<void> {
    return this.base.drain();
  }
}
