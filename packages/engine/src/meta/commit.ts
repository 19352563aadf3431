/**
 * The commit path. Every logical change runs as `committer.run(tx => ...)`: under one commit
 * mutex it reads what it needs, stages puts/dels and reference-count deltas on `tx`, and the
 * committer turns that into ONE db.batch (sync when fsync is on) that also carries the chunk
 * refcounts (C/), GC markers (Z/) and usage counters (T/, S/chunks) the change implies.
 *
 * One mutex keeps the read-modify-write of refcounts trivially correct. Chunk streaming and
 * hashing never happen under it, only metadata reads and the batch. Group commit later = let
 * the mutex holder drain several queued `fn`s into one batch.
 */
import { internalError } from '../errors';
import { type BatchOp, type MetaDb, json } from './db';
import type { WriteBatch } from './backend';
import { Mutex } from './locks';
import * as keys from './keys';
import type { ChunkRef } from '../types';
import { currentRequestInfo, type RequestInfo } from '../feed/requestInfo';
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

  /** Runs after the batch is durable, still under the commit lock (keeps in-memory caches exact). */
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
  /** Called after a batch with feed events is durable (wakes feed readers). */
  onEvents: ((events: FeedEvent[]) => void) | undefined;

  constructor(
    private readonly db: MetaDb,
    private readonly sync: boolean,
  ) {}

  run<T>(fn: (tx: Txn) => Promise<T> | T): Promise<T> {
    // Captured now: the request that asked for this change (feed/requestInfo.ts).
    const info = currentRequestInfo();
    // The in-process mutex, then the store's commit lock (a no-op for LevelDB; across gateways
    // for a shared backend, whose batch commits and releases it: backend.ts).
    return this.mutex.run(() =>
      this.db.exclusive(async (writeBatch) => {
        const tx = new Txn(info);
        const result = await fn(tx);
        await this.write(tx, writeBatch);
        return result;
      }),
    );
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

  /** Resolves once every commit queued before it has finished. */
  drain(): Promise<void> {
    return this.mutex.run(() => undefined);
  }

  private async write(tx: Txn, writeBatch: WriteBatch): Promise<void> {
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
        const ev: FeedEvent = { ...e, seq, sequencer: sequencerOf(seq), time: tx.now };
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

    if (ops.length > 0) {
      await writeBatch(ops, this.sync);
      this.seq++;
    }
    for (const [id, v] of newBucketStats) this.bucketStatsCache.set(id, v);
    for (const id of tx.droppedBuckets) this.bucketStatsCache.delete(id);
    if (newChunkStats) this.chunkStatsCache = newChunkStats;
    if (feedNext !== undefined) {
      this.feedNext = feedNext;
      this.onEvents?.(tx.committedEvents);
    }
    for (const fn of tx.hooks) fn();
    for (const h of zeroed) this.zeroSeq.set(h, this.seq);
    for (const h of revived) this.zeroSeq.delete(h);
    for (const h of tx.dropped) this.zeroSeq.delete(h);
  }
}
