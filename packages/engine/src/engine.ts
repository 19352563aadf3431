/**
 * Engine: wires the metadata db, commit path, chunk store and leases, and implements EngineApi
 * by delegating to the operation modules.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { internalError } from './errors';
import { MetaDb } from './meta/db';
import { Committer } from './meta/commit';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from './chunks/chunkStore';
import { Placements, validatePlacements } from './chunks/placement';
import { isS3ChunkUrl, parseS3ChunkUrl } from './chunks/s3ChunkStore';
import { Mutex, ReadLeases } from './meta/locks';
import { withRequestInfo, type Ctx, type ResolvedOptions } from './context';
import type { RequestInfo } from './feed/requestInfo';
import * as users from './accounts/users';
import * as buckets from './buckets/buckets';
import { BucketCache } from './meta/bucketCache';
import { AccessKeyCache } from './accounts/keyCache';
import * as bucketAccess from './buckets/bucketAccess';
import * as objectAcl from './acl/objectAcl';
import * as objects from './objects/objects';
import { createMultipartUpload } from './multipart/createUpload';
import { uploadPart } from './multipart/uploadPart';
import { uploadPartCopy } from './multipart/uploadPartCopy';
import { listParts } from './multipart/listParts';
import { completeMultipartUpload } from './multipart/completeUpload';
import { abortMultipartUpload } from './multipart/abortUpload';
import { listMultipartUploads } from './multipart/listUploads';
import { listObjects } from './objects/listing';
import { listObjectVersions } from './versions/versionListing';
import * as tagging from './tagging/objectTagging';
import * as objectLock from './lock/objectLock';
import { collectGarbage, gcPass, type GcCursor, type GcPassResult } from './maintenance/gc';
import { bucketUsage, usage, verifyConsistency } from './maintenance/consistency';
import { UsageAccounting } from './accounts/accounting';
import * as bucketSettings from './buckets/bucketSettings';
import { DEFAULT_FEED_MAX_EVENTS, Feed, type FeedConsumerRecord, type FeedReadResult, type FeedStatus } from './feed/feed';
import { claimLease, getLease, releaseLease, renewLease, type LeaseRecord } from './meta/leases';
import * as lifecycleConfig from './lifecycle/config';
import * as lifecycleStore from './lifecycle/store';
import * as workerRecords from './workers/records';
import * as notificationConfig from './notifications/config';
import * as replicationConfig from './replication/config';
import * as replicationStatus from './replication/status';
import * as replicas from './replication/replicas';
import type { FeedEvent } from './feed/events';
import type { WorkerEngineApi, WorkerInfo, WorkerStatus } from './workers/api';
import type { AccountUsage, UsageCharge, EngineApi, EngineOptions, GcResult, GcRunReport } from './types';

export const DEFAULT_GC_GRACE_MS = 60_000;
/** Markers / chunk files one background GC pass looks at (bounds its time and memory). */
export const DEFAULT_GC_PASS_LIMIT = 1000;
export const DEFAULT_REGION = 'us-east-1';

function resolveOptions(o: EngineOptions): ResolvedOptions {
  if (!o || typeof o.dataDir !== 'string' || !o.dataDir) throw new TypeError('EngineOptions.dataDir is required');
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new TypeError(`chunkSize must be an integer between 1 and ${MAX_CHUNK_SIZE}`);
  }
  const gcGraceMs = o.gcGraceMs ?? DEFAULT_GC_GRACE_MS;
  if (!(gcGraceMs >= 0)) throw new TypeError('gcGraceMs must be >= 0');
  const placements = { ...(o.placements ?? {}) };
  const storageClassPlacement = { ...(o.storageClassPlacement ?? {}) };
  validatePlacements(placements, storageClassPlacement);
  if (o.chunks !== undefined) {
    if (typeof o.chunks !== 'string' || !isS3ChunkUrl(o.chunks)) throw new TypeError('chunks must be an s3://BUCKET/PREFIX?endpoint=URL URL');
    parseS3ChunkUrl(o.chunks);
  }
  const lifecycleDaySeconds = o.lifecycleDaySeconds ?? 86_400;
  if (!(Number.isFinite(lifecycleDaySeconds) && lifecycleDaySeconds > 0)) throw new TypeError('lifecycleDaySeconds must be > 0');
  const feedMaxEvents = o.feedMaxEvents ?? DEFAULT_FEED_MAX_EVENTS;
  if (!Number.isInteger(feedMaxEvents) || feedMaxEvents < 1) throw new TypeError('feedMaxEvents must be an integer >= 1');
  return Object.freeze({
    dataDir: o.dataDir,
    fsync: o.fsync ?? true,
    chunkSize,
    region: o.region || DEFAULT_REGION,
    gcGraceMs,
    placements,
    storageClassPlacement,
    lifecycleDaySeconds,
    feedMaxEvents,
  });
}

/** How often a gateway on shared metadata publishes its read horizon (must stay well under gcGraceMs). */
const READ_HORIZON_PUBLISH_MS = 5_000;

/** How often the engine trims the change feed (feed/feed.ts maintain). */
const FEED_MAINTENANCE_MS = 1000;

export class Engine implements EngineApi, WorkerEngineApi {
  readonly options: ResolvedOptions;
  private readonly ctx: Ctx;
  private readonly gcMutex = new Mutex();
  private closed = false;
  private gcTimer: NodeJS.Timeout | undefined;
  private readonly gcListeners = new Set<(report: GcRunReport) => void>();
  /** Identifies the running background GC loop; a new start or a stop makes older loops quit. */
  private gcLoop: object | undefined;
  private gcCursor: GcCursor = {};
  private readonly accounting: UsageAccounting;
  /** The change feed (appended to by the commit path; trimmed here). */
  readonly feed: Feed;
  private feedTimer: NodeJS.Timeout | undefined;
  private horizonTimer: NodeJS.Timeout | undefined;
  private readonly feedMutex = new Mutex();

  private constructor(ctx: Ctx & { committer: Committer }) {
    this.ctx = ctx;
    this.options = ctx.options;
    this.accounting = new UsageAccounting(ctx);
    this.feed = new Feed(ctx, ctx.options.feedMaxEvents);
    this.feedTimer = setInterval(() => {
      if (!this.closed && !this.feedMutex.busy) this.maintainFeed().catch(() => undefined);
    }, FEED_MAINTENANCE_MS);
    this.feedTimer.unref();
    ctx.committer.onEvents = (events) => {
      for (const l of this.feedListeners) {
        try {
          l(events);
        } catch {
          // a listener's failure must not fail a commit
        }
      }
    };
  }

  private readonly feedListeners = new Set<(events: FeedEvent[]) => void>();
  /** Not part of EngineApi: `listener` hears of every batch of feed events once durable (wakes feed consumers). Returns an unsubscribe. */
  onFeedAppend(listener: (events: FeedEvent[]) => void): () => void {
    this.feedListeners.add(listener);
    return () => this.feedListeners.delete(listener);
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const resolved = resolveOptions(options);
    await fs.promises.mkdir(resolved.dataDir, { recursive: true });
    // Shared metadata means a shared chunk directory: temp files per process.
    const processTmp = options.meta ? `${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}` : undefined;
    const placements = new Placements(
      resolved.dataDir,
      resolved.placements,
      resolved.storageClassPlacement,
      resolved.fsync,
      options.chunkFileSystem,
      processTmp,
      { chunks: options.chunks, credentials: options.chunkCredentials },
    );
    await placements.init();
    if (options.meta !== undefined && (typeof options.meta !== 'string' || !options.meta)) throw new TypeError('meta must be a postgres:// URL');
    if (options.meta && options.db) throw new TypeError('give either db or meta, not both');
    const db = await MetaDb.open(resolved.dataDir, options.db, options.meta);
    if (db.pins) placements.shareWith(db.pins);
    const engine = new Engine({
      db,
      committer: new Committer(db, resolved.fsync),
      placements,
      leases: new ReadLeases(),
      bucketCache: new BucketCache(db.shared),
      accessKeys: new AccessKeyCache(!db.shared),
      options: resolved,
    });
    engine.publishReadHorizon();
    return engine;
  }

  /** Shared metadata: tells other gateways' GC when this process's oldest in-flight read began (gc.ts). */
  private publishReadHorizon(): void {
    const pins = this.ctx.db.pins;
    if (!pins) return;
    const publish = (): void => void pins.publishReadHorizon(this.ctx.leases.oldestStartMs()).catch(() => undefined);
    publish();
    this.horizonTimer = setInterval(publish, READ_HORIZON_PUBLISH_MS);
    this.horizonTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopBackgroundGc();
    if (this.feedTimer) clearInterval(this.feedTimer);
    if (this.horizonTimer) clearInterval(this.horizonTimer);
    await this.feedMutex.run(() => undefined);
    await this.accounting.close().catch(() => undefined);
    await this.gcMutex.run(() => undefined);
    await this.ctx.committer.drain();
    await this.ctx.db.close();
  }

  async durableNow(): Promise<void> {
    await this.c.committer.durableNow();
  }

  private get c(): Ctx {
    if (this.closed) throw internalError('The storage engine is closed');
    return this.ctx;
  }

  /**
   * A module operation `(ctx, ...args)` as an engine method; a closed engine rejects (never
   * throws synchronously). Called on a `forRequest` view it runs with that view's context; a
   * detached call (`const f = engine.putObject`) runs on the engine itself.
   */
  private bound<A extends unknown[], R>(op: (ctx: Ctx, ...args: A) => Promise<R>): (...args: A) => Promise<R> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the fallback for detached calls
    const engine = this;
    return async function (this: unknown, ...args: A): Promise<R> {
      return op((this instanceof Engine ? this : engine).c, ...args);
    };
  }

  /**
   * This engine as one requester uses it: the changes made through the view carry `info` into
   * the change feed (who, from where, which request). A view shares everything with the engine
   * (it is the engine with another context, nothing is copied): cheap enough for every request.
   * Use it for operations only; close / GC / workers belong to the engine itself.
   */
  forRequest(info: RequestInfo): this {
    const view = Object.create(this) as this & { ctx: Ctx };
    Object.defineProperty(view, 'ctx', { value: withRequestInfo(this.c, info) });
    return view;
  }

  /**
   * EngineApi methods that are module operations `(ctx, ...args)`: bound here, so their
   * signatures come from the modules and `implements EngineApi` checks them against the
   * interface (no hand-copied parameter lists to drift). Documented on EngineApi.
   */

  // users and access keys (accounts/users.ts)
  readonly ensureRootUser = this.bound(users.ensureRootUser);
  readonly upsertUser = this.bound(users.upsertUser);
  readonly getUser = this.bound(users.getUser);
  readonly lookupAccessKey = this.bound(users.lookupAccessKey);
  readonly createUser = this.bound(users.createUser);
  readonly listUsers = this.bound(users.listUsers);
  readonly updateUser = this.bound(users.updateUser);
  readonly setUserSuspended = this.bound(users.setUserSuspended);
  readonly deleteUser = this.bound(users.deleteUser);
  readonly createAccessKey = this.bound(users.createAccessKey);
  readonly listAccessKeys = this.bound(users.listAccessKeys);
  readonly deleteAccessKey = this.bound(users.deleteAccessKey);
  readonly rotateAccessKey = this.bound(users.rotateAccessKey);

  // bucket settings (buckets/bucketSettings.ts)
  readonly putBucketCors = this.bound(bucketSettings.putBucketCors);
  readonly getBucketCors = this.bound(bucketSettings.getBucketCors);
  readonly putBucketRequestPayment = this.bound(bucketSettings.putBucketRequestPayment);
  readonly getBucketRequestPayment = this.bound(bucketSettings.getBucketRequestPayment);
  readonly putBucketWebsite = this.bound(bucketSettings.putBucketWebsite);
  readonly getBucketWebsite = this.bound(bucketSettings.getBucketWebsite);

  // usage accounting
  recordUsage(charge: UsageCharge): void {
    if (!this.closed) this.accounting.record(charge);
  }
  async accountUsage(): Promise<AccountUsage[]> {
    void this.c; // throws once closed
    return this.accounting.snapshot();
  }
  /** Not part of EngineApi: persist pending usage counters now (tests, shutdown). */
  async flushUsage(): Promise<void> {
    return this.accounting.flush();
  }

  // buckets (buckets/)
  readonly createBucket = this.bound(buckets.createBucket);
  readonly getBucket = this.bound(buckets.getBucket);
  readonly deleteBucket = this.bound(buckets.deleteBucket);
  readonly listBuckets = this.bound(buckets.listBuckets);
  readonly putBucketVersioning = this.bound(buckets.putBucketVersioning);

  // objects (objects/, versions/)
  readonly putObject = this.bound(objects.putObject);
  readonly getObject = this.bound(objects.getObject);
  readonly headObject = this.bound(objects.headObject);
  readonly deleteObject = this.bound(objects.deleteObject);
  readonly deleteObjects = this.bound(objects.deleteObjects);
  readonly copyObject = this.bound(objects.copyObject);
  readonly listObjects = this.bound(listObjects);
  readonly listObjectVersions = this.bound(listObjectVersions);

  // tagging (tagging/)
  readonly putObjectTagging = this.bound(tagging.putObjectTagging);
  readonly getObjectTagging = this.bound(tagging.getObjectTagging);
  readonly deleteObjectTagging = this.bound(tagging.deleteObjectTagging);
  readonly putBucketTagging = this.bound(tagging.putBucketTagging);
  readonly getBucketTagging = this.bound(tagging.getBucketTagging);

  // Object Lock (lock/)
  readonly putObjectLockConfiguration = this.bound(objectLock.putObjectLockConfiguration);
  readonly getObjectLockConfiguration = this.bound(objectLock.getObjectLockConfiguration);
  readonly putObjectRetention = this.bound(objectLock.putObjectRetention);
  readonly getObjectRetention = this.bound(objectLock.getObjectRetention);
  readonly putObjectLegalHold = this.bound(objectLock.putObjectLegalHold);
  readonly getObjectLegalHold = this.bound(objectLock.getObjectLegalHold);

  // access control (buckets/bucketAccess.ts, acl/objectAcl.ts)
  readonly getBucketAccess = this.bound(bucketAccess.getBucketAccess);
  readonly putBucketAcl = this.bound(bucketAccess.putBucketAcl);
  readonly putBucketPolicy = this.bound(bucketAccess.putBucketPolicy);
  readonly putPublicAccessBlock = this.bound(bucketAccess.putPublicAccessBlock);
  readonly putBucketOwnershipControls = this.bound(bucketAccess.putBucketOwnershipControls);
  readonly findUserByEmail = this.bound(bucketAccess.findUserByEmail);
  readonly getObjectAcl = this.bound(objectAcl.getObjectAcl);
  readonly putObjectAcl = this.bound(objectAcl.putObjectAcl);
  readonly getObjectAccess = this.bound(objectAcl.getObjectAccess);

  // multipart uploads (multipart/)
  readonly createMultipartUpload = this.bound(createMultipartUpload);
  readonly uploadPart = this.bound(uploadPart);
  readonly uploadPartCopy = this.bound(uploadPartCopy);
  readonly listParts = this.bound(listParts);
  readonly completeMultipartUpload = this.bound(completeMultipartUpload);
  readonly abortMultipartUpload = this.bound(abortMultipartUpload);
  readonly listMultipartUploads = this.bound(listMultipartUploads);

  // lifecycle, notifications, replication configuration and status
  readonly putBucketLifecycle = this.bound(lifecycleConfig.putBucketLifecycle);
  readonly getBucketLifecycle = this.bound(lifecycleConfig.getBucketLifecycle);
  readonly putBucketNotification = this.bound(notificationConfig.putBucketNotification);
  readonly getBucketNotification = this.bound(notificationConfig.getBucketNotification);
  readonly notificationBucket = this.bound(notificationConfig.notificationBucket);
  readonly putBucketReplication = this.bound(replicationConfig.putBucketReplication);
  readonly getBucketReplication = this.bound(replicationConfig.getBucketReplication);
  readonly putReplica = this.bound(replicas.putReplica);
  readonly replicationSource = this.bound(replicas.replicationSource);
  readonly recordReplicationResult = this.bound(replicationStatus.recordReplicationResult);
  readonly requeueReplication = this.bound(replicationStatus.requeueReplication);

  // change feed
  async registerFeedConsumer(name: string, opts?: { enabled?: boolean }): Promise<FeedConsumerRecord> {
    void this.c;
    return this.feed.register(name, opts);
  }
  async unregisterFeedConsumer(name: string): Promise<void> {
    void this.c;
    return this.feed.unregister(name);
  }
  async readFeed(name: string, opts?: { limit?: number }): Promise<FeedReadResult> {
    void this.c;
    return this.feed.read(name, opts?.limit);
  }
  async ackFeed(name: string, seq: number): Promise<void> {
    void this.c;
    return this.feed.ack(name, seq);
  }
  async feedStatus(): Promise<FeedStatus> {
    void this.c;
    return this.feed.status();
  }
  /** Not part of EngineApi: trim the feed now and enforce its backlog limit (runs every second anyway). */
  async maintainFeed(): Promise<{ trimmed: number; dropped: number }> {
    void this.c;
    return this.feedMutex.run(() => this.feed.maintain());
  }

  // workers (WorkerEngineApi: also served over the server's socket, workers/rpc.ts)
  async workerStatus(): Promise<(WorkerStatus & { lease?: LeaseRecord })[]> {
    const ctx = this.c;
    const out: (WorkerStatus & { lease?: LeaseRecord })[] = [];
    for (const s of await workerRecords.listWorkerStatus(ctx)) {
      const lease = await getLease(ctx, `worker/${s.worker}`);
      out.push(lease ? { ...s, lease } : s);
    }
    return out;
  }
  async workerInfo(): Promise<WorkerInfo> {
    void this.c;
    return { lifecycleDayMs: this.options.lifecycleDaySeconds * 1000, pid: process.pid, region: this.options.region };
  }
  readonly listLifecycleBuckets = this.bound(lifecycleStore.listLifecycleBuckets);
  readonly lifecycleScan = this.bound(lifecycleStore.lifecycleScan);
  readonly lifecycleUploads = this.bound(lifecycleStore.lifecycleUploads);
  readonly lifecycleApply = this.bound(lifecycleStore.lifecycleApply);
  readonly claimLease = this.bound(claimLease);
  readonly renewLease = this.bound(renewLease);
  readonly releaseLease = this.bound(releaseLease);
  readonly getWorkerState = this.bound(workerRecords.getWorkerState);
  readonly putWorkerState = this.bound(workerRecords.putWorkerState);
  readonly putWorkerStatus = this.bound(workerRecords.putWorkerStatus);

  // maintenance
  async gc(opts?: { graceMs?: number }): Promise<GcResult> {
    const ctx = this.c;
    return this.gcMutex.run(async () => {
      const started = performance.now();
      try {
        const result = await collectGarbage(ctx, opts?.graceMs ?? this.options.gcGraceMs);
        this.reportGc({ result, durationMs: performance.now() - started });
        return result;
      } catch (error) {
        this.reportGc({ error, durationMs: performance.now() - started });
        throw error;
      }
    });
  }
  readonly usage = this.bound(usage);
  readonly bucketUsage = this.bound(bucketUsage);

  /**
   * Not part of EngineApi: `listener` hears about every gc() run (manual or background), so
   * metrics can count runs and freed space without wrapping whoever calls gc(). Returns an unsubscribe.
   */
  onGcRun(listener: (report: GcRunReport) => void): () => void {
    this.gcListeners.add(listener);
    return () => this.gcListeners.delete(listener);
  }

  private reportGc(report: GcRunReport): void {
    for (const l of this.gcListeners) {
      try {
        l(report);
      } catch {
        // a listener's failure must not fail GC
      }
    }
  }

  /**
   * Not part of EngineApi: one bounded slice of GC (gc.ts `gcPass`): at most `limit` GC markers
   * and `limit` chunk files, resuming where the previous pass stopped (the cursor is kept here
   * unless the caller passes its own, e.g. one coordinated through a lease). Serialised with gc().
   */
  async runGcPass(opts: { limit?: number; graceMs?: number; cursor?: GcCursor } = {}): Promise<GcPassResult> {
    const ctx = this.c;
    return this.gcMutex.run(async () => {
      const started = performance.now();
      let r: GcPassResult;
      try {
        r = await gcPass(ctx, {
          graceMs: opts.graceMs ?? this.options.gcGraceMs,
          limit: opts.limit ?? DEFAULT_GC_PASS_LIMIT,
          cursor: opts.cursor ?? this.gcCursor,
        });
      } catch (error) {
        this.reportGc({ error, durationMs: performance.now() - started });
        throw error;
      }
      // Background passes count like full runs (metrics: cairn_gc_*), whoever started them.
      this.reportGc({ result: { chunksRemoved: r.chunksRemoved, bytesRemoved: r.bytesRemoved }, durationMs: performance.now() - started });
      if (!opts.cursor) this.gcCursor = r.cursor;
      return r;
    });
  }

  /**
   * Not part of EngineApi: collects garbage continuously until close() or stopBackgroundGc():
   * a bounded pass (runGcPass) every `intervalMs`, or right after the previous one while a
   * cycle is unfinished (a pause of `busyPauseMs` in between lets requests through). Timers
   * don't keep the process alive. Errors go to onError, pass results to opts.onPass.
   */
  startBackgroundGc(
    intervalMs = 60_000,
    onError: (e: unknown) => void = () => undefined,
    opts: { limit?: number; busyPauseMs?: number; onPass?: (r: GcPassResult) => void } = {},
  ): void {
    this.stopBackgroundGc();
    const loop = {};
    this.gcLoop = loop;
    const schedule = (ms: number): void => {
      if (this.closed || this.gcLoop !== loop) return;
      this.gcTimer = setTimeout(() => void tick(), ms);
      this.gcTimer.unref();
    };
    const tick = async (): Promise<void> => {
      this.gcTimer = undefined;
      if (this.closed || this.gcLoop !== loop) return;
      let next = intervalMs;
      try {
        const r = await this.runGcPass({ limit: opts.limit });
        opts.onPass?.(r);
        if (!r.complete) next = opts.busyPauseMs ?? 10;
      } catch (e) {
        if (!this.closed) onError(e);
      }
      schedule(next);
    };
    schedule(intervalMs);
  }

  stopBackgroundGc(): void {
    this.gcLoop = undefined;
    if (this.gcTimer) clearTimeout(this.gcTimer);
    this.gcTimer = undefined;
  }

  /**
   * Not part of EngineApi: recounts every chunk reference and checks refcounts, GC markers,
   * usage counters and (with checkFiles) chunk files. For tests and the fsck tool.
   */
  readonly verifyRefcounts = this.bound(verifyConsistency);
}
