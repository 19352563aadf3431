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
import type { Ctx, ResolvedOptions } from './context';
import * as users from './accounts/users';
import * as buckets from './buckets/buckets';
import { BucketCache } from './meta/bucketCache';
import * as bucketAccess from './buckets/bucketAccess';
import * as objectAcl from './acl/objectAcl';
import type { Acl, BucketAccess, ObjectOwnership, PublicAccessBlockConfig } from './acl';
import type { CreateBucketOptions, ObjectAccess } from './types';
import * as objects from './objects/objects';
import * as multipart from './multipart/multipart';
import { listObjects } from './objects/listing';
import { listObjectVersions } from './versions/versionListing';
import * as tagging from './tagging/objectTagging';
import * as objectLock from './lock/objectLock';
import { collectGarbage, gcPass, type GcCursor, type GcPassResult } from './maintenance/gc';
import { bucketUsage, usage, verifyConsistency, type ConsistencyReport } from './maintenance/consistency';
import { UsageAccounting } from './accounts/accounting';
import * as bucketSettings from './buckets/bucketSettings';
import { DEFAULT_FEED_MAX_EVENTS, Feed, type FeedConsumerRecord, type FeedReadResult, type FeedStatus } from './feed/feed';
import { claimLease, getLease, releaseLease, renewLease, type LeaseRecord, type LeaseResult } from './meta/leases';
import * as lifecycleConfig from './lifecycle/config';
import * as lifecycleStore from './lifecycle/store';
import type { LifecycleConfiguration } from './lifecycle/rules';
import * as workerRecords from './workers/records';
import * as notificationConfig from './notifications/config';
import type { NotificationConfiguration } from './notifications/rules';
import * as replicationConfig from './replication/config';
import * as replicationStatus from './replication/status';
import * as replicas from './replication/replicas';
import type { FeedEvent } from './feed/events';
import type { WorkerEngineApi, WorkerInfo, WorkerStatus } from './workers/api';
import type {
  AccessKeyInfo,
  AccountUsage,
  CreatedAccessKey,
  CreateUserInput,
  CorsRule,
  WebsiteConfiguration,
  RequestPayer,
  UsageCharge,
  UserUpdate,
  AccessKeyLookup,
  BodyInput,
  BucketInfo,
  CopyObjectOptions,
  DeleteObjectResult,
  DeleteObjectsItem,
  DeleteObjectsResultItem,
  EngineApi,
  EngineOptions,
  GcResult,
  GcRunReport,
  BucketUsage,
  GetObjectOptions,
  GetObjectResult,
  ListBucketsOptions,
  ListBucketsResult,
  ListObjectsOptions,
  ListObjectsResult,
  ObjectMeta,
  PutObjectOptions,
  UsageReport,
  User,
  UserInput,
  ListObjectVersionsOptions,
  ListObjectVersionsResult,
  Tag,
  VersioningStatus,
  ObjectLockConfiguration,
  ObjectRetention,
} from './types';
import type {
  CompletedPart,
  CompleteMultipartUploadOptions,
  CreateMultipartUploadOptions,
  ListMultipartUploadsOptions,
  ListMultipartUploadsResult,
  ListPartsOptions,
  ListPartsResult,
  MultipartUploadInfo,
  PartInfo,
  UploadPartCopyOptions,
  UploadPartOptions,
} from './types';

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

  private constructor(ctx: Ctx) {
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

  private get c(): Ctx {
    if (this.closed) throw internalError('The storage engine is closed');
    return this.ctx;
  }

  // users
  async ensureRootUser(keys?: {
    accessKeyId?: string;
    secretAccessKey?: string;
  }): Promise<{ user: User; accessKeyId: string; secretAccessKey: string; created: boolean }> {
    return users.ensureRootUser(this.c, keys);
  }
  async upsertUser(input: UserInput): Promise<User> {
    return users.upsertUser(this.c, input);
  }
  async getUser(id: string): Promise<User | undefined> {
    return users.getUser(this.c, id);
  }
  async lookupAccessKey(accessKeyId: string): Promise<AccessKeyLookup | undefined> {
    return users.lookupAccessKey(this.c, accessKeyId);
  }

  async createUser(input: CreateUserInput, opts?: { withAccessKey?: boolean }): Promise<{ user: User; accessKey?: CreatedAccessKey }> {
    return users.createUser(this.c, input, opts);
  }
  async listUsers(): Promise<User[]> {
    return users.listUsers(this.c);
  }
  async updateUser(id: string, update: UserUpdate): Promise<User> {
    return users.updateUser(this.c, id, update);
  }
  async setUserSuspended(id: string, suspended: boolean): Promise<User> {
    return users.setUserSuspended(this.c, id, suspended);
  }
  async deleteUser(id: string): Promise<void> {
    return users.deleteUser(this.c, id);
  }
  async createAccessKey(userId: string, given?: { accessKeyId?: string; secretAccessKey?: string }): Promise<CreatedAccessKey> {
    return users.createAccessKey(this.c, userId, given);
  }
  async listAccessKeys(userId: string): Promise<AccessKeyInfo[]> {
    return users.listAccessKeys(this.c, userId);
  }
  async deleteAccessKey(userId: string, accessKeyId: string): Promise<void> {
    return users.deleteAccessKey(this.c, userId, accessKeyId);
  }
  async rotateAccessKey(userId: string, accessKeyId: string): Promise<CreatedAccessKey> {
    return users.rotateAccessKey(this.c, userId, accessKeyId);
  }

  // bucket settings
  async putBucketCors(bucket: string, rules: CorsRule[] | undefined): Promise<void> {
    return bucketSettings.putBucketCors(this.c, bucket, rules);
  }
  async getBucketCors(bucket: string): Promise<CorsRule[] | undefined> {
    return bucketSettings.getBucketCors(this.c, bucket);
  }
  async putBucketRequestPayment(bucket: string, payer: RequestPayer): Promise<void> {
    return bucketSettings.putBucketRequestPayment(this.c, bucket, payer);
  }
  async getBucketRequestPayment(bucket: string): Promise<RequestPayer> {
    return bucketSettings.getBucketRequestPayment(this.c, bucket);
  }
  async putBucketWebsite(bucket: string, config: WebsiteConfiguration | undefined): Promise<void> {
    return bucketSettings.putBucketWebsite(this.c, bucket, config);
  }
  async getBucketWebsite(bucket: string): Promise<WebsiteConfiguration | undefined> {
    return bucketSettings.getBucketWebsite(this.c, bucket);
  }

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

  // buckets
  async createBucket(name: string, opts: CreateBucketOptions): Promise<BucketInfo> {
    return buckets.createBucket(this.c, name, opts);
  }
  async getBucket(name: string): Promise<BucketInfo> {
    return buckets.getBucket(this.c, name);
  }
  async deleteBucket(name: string): Promise<void> {
    return buckets.deleteBucket(this.c, name);
  }
  async listBuckets(owner: string, opts?: ListBucketsOptions): Promise<ListBucketsResult> {
    return buckets.listBuckets(this.c, owner, opts);
  }

  // objects
  async putObject(bucket: string, key: string, body: BodyInput, opts: PutObjectOptions): Promise<ObjectMeta> {
    return objects.putObject(this.c, bucket, key, body, opts);
  }
  async getObject(bucket: string, key: string, opts?: GetObjectOptions): Promise<GetObjectResult> {
    return objects.getObject(this.c, bucket, key, opts);
  }
  async headObject(bucket: string, key: string, opts?: GetObjectOptions): Promise<{ meta: ObjectMeta; range?: { start: number; end: number } }> {
    return objects.headObject(this.c, bucket, key, opts);
  }
  async deleteObject(bucket: string, key: string, opts?: { versionId?: string; owner?: string; bypassGovernance?: boolean }): Promise<DeleteObjectResult> {
    return objects.deleteObject(this.c, bucket, key, opts);
  }
  async deleteObjects(bucket: string, items: DeleteObjectsItem[], owner?: string, opts?: { bypassGovernance?: boolean }): Promise<DeleteObjectsResultItem[]> {
    return objects.deleteObjects(this.c, bucket, items, owner, opts);
  }
  async copyObject(srcBucket: string, srcKey: string, dstBucket: string, dstKey: string, opts: CopyObjectOptions): Promise<ObjectMeta> {
    return objects.copyObject(this.c, srcBucket, srcKey, dstBucket, dstKey, opts);
  }
  async listObjects(bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
    return listObjects(this.c, bucket, opts);
  }

  // versioning and tagging
  async putBucketVersioning(bucket: string, status: VersioningStatus): Promise<void> {
    return buckets.putBucketVersioning(this.c, bucket, status);
  }
  async listObjectVersions(bucket: string, opts: ListObjectVersionsOptions): Promise<ListObjectVersionsResult> {
    return listObjectVersions(this.c, bucket, opts);
  }
  async putObjectTagging(bucket: string, key: string, tags: Tag[], opts?: { versionId?: string }): Promise<{ versionId: string }> {
    return tagging.putObjectTagging(this.c, bucket, key, tags, opts);
  }
  async getObjectTagging(bucket: string, key: string, opts?: { versionId?: string }): Promise<{ versionId: string; tags: Tag[] }> {
    return tagging.getObjectTagging(this.c, bucket, key, opts);
  }
  async deleteObjectTagging(bucket: string, key: string, opts?: { versionId?: string }): Promise<{ versionId: string }> {
    return tagging.deleteObjectTagging(this.c, bucket, key, opts);
  }
  async putBucketTagging(bucket: string, tags: Tag[]): Promise<void> {
    return tagging.putBucketTagging(this.c, bucket, tags);
  }
  async getBucketTagging(bucket: string): Promise<Tag[]> {
    return tagging.getBucketTagging(this.c, bucket);
  }

  // Object Lock
  async putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void> {
    return objectLock.putObjectLockConfiguration(this.c, bucket, config);
  }
  async getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration> {
    return objectLock.getObjectLockConfiguration(this.c, bucket);
  }
  async putObjectRetention(
    bucket: string,
    key: string,
    retention: ObjectRetention | undefined,
    opts?: { versionId?: string; bypassGovernance?: boolean },
  ): Promise<{ versionId: string }> {
    return objectLock.putObjectRetention(this.c, bucket, key, retention, opts);
  }
  async getObjectRetention(bucket: string, key: string, opts?: { versionId?: string }): Promise<ObjectRetention> {
    return objectLock.getObjectRetention(this.c, bucket, key, opts);
  }
  async putObjectLegalHold(bucket: string, key: string, on: boolean, opts?: { versionId?: string }): Promise<{ versionId: string }> {
    return objectLock.putObjectLegalHold(this.c, bucket, key, on, opts);
  }
  async getObjectLegalHold(bucket: string, key: string, opts?: { versionId?: string }): Promise<boolean> {
    return objectLock.getObjectLegalHold(this.c, bucket, key, opts);
  }

  // access control
  async getBucketAccess(bucket: string): Promise<BucketAccess> {
    return bucketAccess.getBucketAccess(this.c, bucket);
  }
  async putBucketAcl(bucket: string, acl: Acl): Promise<void> {
    return bucketAccess.putBucketAcl(this.c, bucket, acl);
  }
  async putBucketPolicy(bucket: string, policy: string | undefined): Promise<void> {
    return bucketAccess.putBucketPolicy(this.c, bucket, policy);
  }
  async putPublicAccessBlock(bucket: string, config: PublicAccessBlockConfig | undefined): Promise<void> {
    return bucketAccess.putPublicAccessBlock(this.c, bucket, config);
  }
  async putBucketOwnershipControls(bucket: string, ownership: ObjectOwnership | undefined): Promise<void> {
    return bucketAccess.putBucketOwnershipControls(this.c, bucket, ownership);
  }
  async getObjectAcl(bucket: string, key: string, opts?: { versionId?: string }): Promise<{ acl: Acl; versionId: string }> {
    return objectAcl.getObjectAcl(this.c, bucket, key, opts);
  }
  async putObjectAcl(bucket: string, key: string, acl: Acl, opts?: { versionId?: string }): Promise<{ versionId: string }> {
    return objectAcl.putObjectAcl(this.c, bucket, key, acl, opts);
  }
  async getObjectAccess(bucket: string, key: string, opts?: { versionId?: string }): Promise<ObjectAccess | undefined> {
    return objectAcl.getObjectAccess(this.c, bucket, key, opts);
  }
  async findUserByEmail(email: string): Promise<User | undefined> {
    return bucketAccess.findUserByEmail(this.c, email);
  }

  // multipart uploads
  async createMultipartUpload(bucket: string, key: string, opts: CreateMultipartUploadOptions): Promise<MultipartUploadInfo> {
    return multipart.createMultipartUpload(this.c, bucket, key, opts);
  }
  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: BodyInput, opts?: UploadPartOptions): Promise<PartInfo> {
    return multipart.uploadPart(this.c, bucket, key, uploadId, partNumber, body, opts);
  }
  async uploadPartCopy(
    srcBucket: string,
    srcKey: string,
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    opts?: UploadPartCopyOptions,
  ): Promise<PartInfo> {
    return multipart.uploadPartCopy(this.c, srcBucket, srcKey, bucket, key, uploadId, partNumber, opts);
  }
  async listParts(bucket: string, key: string, uploadId: string, opts?: ListPartsOptions): Promise<ListPartsResult> {
    return multipart.listParts(this.c, bucket, key, uploadId, opts);
  }
  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    opts?: CompleteMultipartUploadOptions,
  ): Promise<ObjectMeta> {
    return multipart.completeMultipartUpload(this.c, bucket, key, uploadId, parts, opts);
  }
  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return multipart.abortMultipartUpload(this.c, bucket, key, uploadId);
  }
  async listMultipartUploads(bucket: string, opts: ListMultipartUploadsOptions): Promise<ListMultipartUploadsResult> {
    return multipart.listMultipartUploads(this.c, bucket, opts);
  }

  // lifecycle
  async putBucketLifecycle(bucket: string, config: LifecycleConfiguration | undefined): Promise<void> {
    return lifecycleConfig.putBucketLifecycle(this.c, bucket, config);
  }
  async getBucketLifecycle(bucket: string): Promise<LifecycleConfiguration | undefined> {
    return lifecycleConfig.getBucketLifecycle(this.c, bucket);
  }

  // bucket notifications (notifications/)
  async putBucketNotification(bucket: string, config: NotificationConfiguration | undefined): Promise<void> {
    return notificationConfig.putBucketNotification(this.c, bucket, config);
  }
  async getBucketNotification(bucket: string): Promise<NotificationConfiguration> {
    return notificationConfig.getBucketNotification(this.c, bucket);
  }
  async notificationBucket(bucket: string): Promise<notificationConfig.NotificationBucket | undefined> {
    return notificationConfig.notificationBucket(this.c, bucket);
  }
  // zone replication (replication/)
  async putBucketReplication(bucket: string, config: replicationConfig.ReplicationConfiguration | undefined): Promise<void> {
    return replicationConfig.putBucketReplication(this.c, bucket, config);
  }
  async getBucketReplication(bucket: string): Promise<replicationConfig.ReplicationConfiguration | undefined> {
    return replicationConfig.getBucketReplication(this.c, bucket);
  }
  async putReplica(
    bucket: string,
    key: string,
    body: BodyInput | undefined,
    version: replicas.ReplicaVersion,
  ): Promise<{ created: boolean; versionId: string }> {
    return replicas.putReplica(this.c, bucket, key, body, version);
  }
  async replicationSource(bucket: string, key: string, versionId: string): Promise<replicas.ReplicationSource | undefined> {
    return replicas.replicationSource(this.c, bucket, key, versionId);
  }
  async recordReplicationResult(bucket: string, key: string, versionId: string, peer: string, ok: boolean, peers: string[]): Promise<void> {
    return replicationStatus.recordReplicationResult(this.c, bucket, key, versionId, peer, ok, peers);
  }
  async requeueReplication(bucket: string, key: string, versionId: string, peer: string): Promise<boolean> {
    return replicationStatus.requeueReplication(this.c, bucket, key, versionId, peer);
  }

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
  async listLifecycleBuckets(): Promise<lifecycleStore.LifecycleBucket[]> {
    return lifecycleStore.listLifecycleBuckets(this.c);
  }
  async lifecycleScan(bucket: string, after: string | undefined, limit: number): Promise<lifecycleStore.ScanPage> {
    return lifecycleStore.lifecycleScan(this.c, bucket, after, limit);
  }
  async lifecycleUploads(
    bucket: string,
    after: { key: string; uploadId: string } | undefined,
    limit: number,
  ): Promise<{ uploads: lifecycleStore.ScannedUpload[]; next?: { key: string; uploadId: string } }> {
    return lifecycleStore.lifecycleUploads(this.c, bucket, after, limit);
  }
  async lifecycleApply(action: lifecycleStore.LifecycleAction): Promise<lifecycleStore.ApplyResult> {
    return lifecycleStore.lifecycleApply(this.c, action);
  }
  async claimLease(name: string, owner: string, ttlMs: number): Promise<LeaseResult> {
    return claimLease(this.c, name, owner, ttlMs);
  }
  async renewLease(name: string, owner: string, ttlMs: number): Promise<LeaseResult> {
    return renewLease(this.c, name, owner, ttlMs);
  }
  async releaseLease(name: string, owner: string): Promise<void> {
    return releaseLease(this.c, name, owner);
  }
  async getWorkerState(worker: string, sub: string): Promise<unknown> {
    return workerRecords.getWorkerState(this.c, worker, sub);
  }
  async putWorkerState(worker: string, sub: string, value: unknown): Promise<void> {
    return workerRecords.putWorkerState(this.c, worker, sub, value);
  }
  async putWorkerStatus(status: WorkerStatus): Promise<void> {
    return workerRecords.putWorkerStatus(this.c, status);
  }

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
  async usage(): Promise<UsageReport> {
    return usage(this.c);
  }
  async bucketUsage(): Promise<BucketUsage[]> {
    return bucketUsage(this.c);
  }

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
  async verifyRefcounts(opts?: { checkFiles?: boolean }): Promise<ConsistencyReport> {
    return verifyConsistency(this.c, opts);
  }
}
