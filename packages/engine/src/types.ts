/**
 * The engine's public data types. Everything here is plain data: no HTTP, no XML.
 * The HTTP adapter (apps/s3) and embedders program against these. The data types live by
 * resource in types/ (re-exported here); this file holds EngineOptions and the EngineApi interface.
 */
import type { Acl, BucketAccess, ObjectOwnership, PublicAccessBlockConfig } from './acl';
import type { FeedConsumerRecord, FeedReadResult, FeedStatus } from './feed/events';
import type { NotificationConfiguration } from './notifications/rules';
import type { RequestInfo } from './feed/requestInfo';
import type {
  AccessKeyInfo,
  AccessKeyLookup,
  AccountUsage,
  CreateUserInput,
  CreatedAccessKey,
  UsageCharge,
  User,
  UserInput,
  UserUpdate,
} from './types/accounts';
import type {
  BucketInfo,
  CorsRule,
  CreateBucketOptions,
  ListBucketsOptions,
  ListBucketsResult,
  RequestPayer,
  VersioningStatus,
  WebsiteConfiguration,
} from './types/buckets';
import type { BodyInput, StorageClass, Tag } from './types/common';
import type { LifecycleConfiguration } from './types/lifecycle';
import type { ObjectLockConfiguration, ObjectRetention } from './types/lock';
import type { BucketUsage, GcResult, UsageReport } from './types/maintenance';
import type {
  CompleteMultipartUploadOptions,
  CompletedPart,
  CreateMultipartUploadOptions,
  ListMultipartUploadsOptions,
  ListMultipartUploadsResult,
  ListPartsOptions,
  ListPartsResult,
  MultipartUploadInfo,
  PartInfo,
  UploadPartCopyOptions,
  UploadPartOptions,
} from './types/multipart';
import type {
  CopyObjectOptions,
  DeleteObjectResult,
  DeleteObjectsItem,
  DeleteObjectsResultItem,
  GetObjectOptions,
  GetObjectResult,
  ListObjectsOptions,
  ListObjectsResult,
  ObjectAccess,
  ObjectMeta,
  PutObjectOptions,
} from './types/objects';
import type { ReplicaVersion, ReplicationConfiguration, ReplicationSource } from './types/replication';
import type { ListObjectVersionsOptions, ListObjectVersionsResult } from './types/versions';
import type { LeaseRecord, WorkerStatus } from './types/workers';

export * from './types/common';
export * from './types/accounts';
export * from './types/buckets';
export * from './types/lock';
export * from './types/objects';
export * from './types/versions';
export * from './types/multipart';
export * from './types/maintenance';
export * from './types/lifecycle';
export * from './types/workers';
export * from './types/replication';

export interface EngineOptions {
  /** Directory holding `meta/` (LevelDB) and `chunks/`. */
  dataDir: string;
  /** fsync chunk files, their directories and metadata batches before acknowledging. Default true. */
  fsync?: boolean;
  /** Chunk size in bytes. Default 1 MiB (see chunkStore.ts for why). */
  chunkSize?: number;
  /** Region reported for buckets created without a LocationConstraint. Default us-east-1. */
  region?: string;
  /** How long a chunk whose last reference went away stays on disk before GC may remove it. */
  gcGraceMs?: number;
  /**
   * Extra chunk directories ("placements"), by name ([a-z0-9_-], not "default"). The default
   * placement is `dataDir` itself (or `chunks`). Each directory gets its own `chunks/` tree; a
   * value may also be an s3:// URL (as `chunks`).
   */
  placements?: Record<string, string>;
  /** Which placement each storage class's chunks go to; unmapped classes use the default. */
  storageClassPlacement?: Partial<Record<StorageClass, string>>;
  /**
   * Length of one lifecycle "day" in seconds (default 86400). Shorter days are for tests: due
   * dates are "N days, rounded up to the next multiple of a day since the epoch" (lifecycle/rules.ts).
   */
  lifecycleDaySeconds?: number;
  /** Change-feed backlog limit (feed/feed.ts): beyond it the oldest events are dropped. Default 1,000,000. */
  feedMaxEvents?: number;
  /**
   * The file operations chunk writes go through (chunkStore.ts ChunkFileSystem); default node:fs.
   * A seam for embedders and fault-injection tests (e.g. a write failing with ENOSPC).
   */
  chunkFileSystem?: import('./chunks/chunkStore').ChunkFileSystem;
  /**
   * Where the default placement's chunks live instead of `<dataDir>/chunks`: an
   * `s3://BUCKET/PREFIX?endpoint=URL[&region=R][&forcePathStyle=true|false]` URL, each chunk an
   * object `PREFIX/ab/cd/<sha256>` in that (other) S3 service (chunks/s3ChunkStore.ts). Named
   * placements may be s3:// URLs too. Keep it the same across restarts.
   */
  chunks?: string;
  /** Credentials for s3:// chunk stores; default: the AWS SDK's default chain (AWS_ACCESS_KEY_ID, profiles, roles). */
  chunkCredentials?: import('./chunks/s3ChunkStore').S3ChunkCredentials;
  /**
   * An already-constructed abstract-level database (e.g. memory-level in unit tests).
   * When absent the engine opens classic-level under `<dataDir>/meta`.
   */
  db?: unknown;
  /**
   * Metadata in PostgreSQL instead of LevelDB: `postgres://USER[:PASS]@HOST:PORT/DB[?schema=NAME]`
   * (schema default `cairn`, created and migrated on open). Several engines (gateways) may share
   * one database and one chunk directory (README "Several gateways").
   */
  meta?: string;
}

/**
 * The engine's API as the HTTP adapter and embedders use it. `Engine` (engine.ts) implements it.
 * Every method throws S3Error with S3's code on failure (NoSuchBucket, NoSuchKey, ...).
 */
export interface EngineApi {
  readonly options: Readonly<Required<Omit<EngineOptions, 'db' | 'chunkFileSystem' | 'meta' | 'chunks' | 'chunkCredentials'>>>; // placements: {} when none
  close(): Promise<void>;
  /**
   * Resolves once every change written so far is durable (at once when none is pending). Under
   * group commit a change is readable a moment before its shared fsync ends; a server awaits this
   * before answering a read, so no client is ever shown data a power loss could still take back.
   */
  durableNow(): Promise<void>;
  /**
   * The engine as one requester uses it: changes made through the returned view carry `info`
   * (requester, source IP, request id) into the change feed and the notifications built from it.
   * The S3 server makes every request's calls through such a view. Cheap (no copy).
   */
  forRequest(info: RequestInfo): EngineApi;

  // users and access keys
  /** Root user ("root"): uses the given keys, else the persisted ones, else generates and persists new ones. */
  ensureRootUser(keys?: {
    accessKeyId?: string;
    secretAccessKey?: string;
  }): Promise<{ user: User; accessKeyId: string; secretAccessKey: string; created: boolean }>;
  /** Idempotent create-or-update of a user and one of its access keys. */
  upsertUser(input: UserInput): Promise<User>;
  getUser(id: string): Promise<User | undefined>;
  lookupAccessKey(accessKeyId: string): Promise<AccessKeyLookup | undefined>;
  /** New user (EntityAlreadyExists if the id is taken), with a generated access key when asked, in one batch. */
  createUser(input: CreateUserInput, opts?: { withAccessKey?: boolean }): Promise<{ user: User; accessKey?: CreatedAccessKey }>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, update: UserUpdate): Promise<User>;
  /** A suspended user's requests fail with UserSuspended; root cannot be suspended. */
  setUserSuspended(id: string, suspended: boolean): Promise<User>;
  /** Removes the user and its keys; DeleteConflict while it owns buckets; root cannot be deleted. */
  deleteUser(id: string): Promise<void>;
  /** Generated key (or the given pair); the secret is returned only here. */
  createAccessKey(userId: string, given?: { accessKeyId?: string; secretAccessKey?: string }): Promise<CreatedAccessKey>;
  listAccessKeys(userId: string): Promise<AccessKeyInfo[]>;
  deleteAccessKey(userId: string, accessKeyId: string): Promise<void>;
  /** Replaces the key with a new id + secret in one batch (the old one stops working at once). */
  rotateAccessKey(userId: string, accessKeyId: string): Promise<CreatedAccessKey>;

  // bucket settings kept in the (cached) bucket record: reading them costs no I/O
  /** undefined removes the configuration. */
  putBucketCors(bucket: string, rules: CorsRule[] | undefined): Promise<void>;
  /** undefined when the bucket has no CORS configuration. */
  getBucketCors(bucket: string): Promise<CorsRule[] | undefined>;
  putBucketRequestPayment(bucket: string, payer: RequestPayer): Promise<void>;
  getBucketRequestPayment(bucket: string): Promise<RequestPayer>;
  /** Validated as S3 does (website.ts); undefined removes the configuration. */
  putBucketWebsite(bucket: string, config: WebsiteConfiguration | undefined): Promise<void>;
  /** undefined when the bucket has no website configuration. */
  getBucketWebsite(bucket: string): Promise<WebsiteConfiguration | undefined>;

  // usage accounting (cheap: counted in memory, persisted in batches; see accounting.ts)
  recordUsage(charge: UsageCharge): void;
  accountUsage(): Promise<AccountUsage[]>;

  // buckets
  /** `acl` / `objectOwnership`: initial access settings (x-amz-acl, x-amz-object-ownership), in the same batch. */
  createBucket(name: string, opts: CreateBucketOptions): Promise<BucketInfo>;
  getBucket(name: string): Promise<BucketInfo>;
  deleteBucket(name: string): Promise<void>;
  listBuckets(owner: string, opts?: ListBucketsOptions): Promise<ListBucketsResult>;

  // objects
  putObject(bucket: string, key: string, body: BodyInput, opts: PutObjectOptions): Promise<ObjectMeta>;
  getObject(bucket: string, key: string, opts?: GetObjectOptions): Promise<GetObjectResult>;
  headObject(bucket: string, key: string, opts?: GetObjectOptions): Promise<{ meta: ObjectMeta; range?: { start: number; end: number } }>;
  /** `owner` owns a delete marker this creates (default: the bucket owner). */
  deleteObject(bucket: string, key: string, opts?: { versionId?: string; owner?: string; bypassGovernance?: boolean }): Promise<DeleteObjectResult>;
  /** Like deleteObject per item (`owner` owns the delete markers it creates); items fail independently. */
  deleteObjects(bucket: string, items: DeleteObjectsItem[], opts?: { owner?: string; bypassGovernance?: boolean }): Promise<DeleteObjectsResultItem[]>;
  copyObject(srcBucket: string, srcKey: string, dstBucket: string, dstKey: string, opts: CopyObjectOptions): Promise<ObjectMeta>;
  listObjects(bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult>;

  // versioning and tagging (versions.ts, tags.ts)
  putBucketVersioning(bucket: string, status: VersioningStatus): Promise<void>;
  listObjectVersions(bucket: string, opts: ListObjectVersionsOptions): Promise<ListObjectVersionsResult>;
  /** Replaces the tag set of the latest (or the given) version; returns that version's id. */
  putObjectTagging(bucket: string, key: string, tags: Tag[], opts?: { versionId?: string }): Promise<{ versionId: string }>;
  getObjectTagging(bucket: string, key: string, opts?: { versionId?: string }): Promise<{ versionId: string; tags: Tag[] }>;
  deleteObjectTagging(bucket: string, key: string, opts?: { versionId?: string }): Promise<{ versionId: string }>;
  /** Empty array = delete. */
  putBucketTagging(bucket: string, tags: Tag[]): Promise<void>;
  /** NoSuchTagSet when the bucket has none. */
  getBucketTagging(bucket: string): Promise<Tag[]>;

  // Object Lock (objectLock.ts)
  putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void>;
  /** ObjectLockConfigurationNotFoundError when the bucket has none. */
  getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration>;
  /** `retention` undefined removes it (GOVERNANCE only, with bypassGovernance). */
  putObjectRetention(
    bucket: string,
    key: string,
    retention: ObjectRetention | undefined,
    opts?: { versionId?: string; bypassGovernance?: boolean },
  ): Promise<{ versionId: string }>;
  /** NoSuchObjectLockConfiguration when the version has none. */
  getObjectRetention(bucket: string, key: string, opts?: { versionId?: string }): Promise<ObjectRetention>;
  putObjectLegalHold(bucket: string, key: string, on: boolean, opts?: { versionId?: string }): Promise<{ versionId: string }>;
  getObjectLegalHold(bucket: string, key: string, opts?: { versionId?: string }): Promise<boolean>;

  // multipart uploads (multipart/)
  createMultipartUpload(bucket: string, key: string, opts: CreateMultipartUploadOptions): Promise<MultipartUploadInfo>;
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: BodyInput, opts?: UploadPartOptions): Promise<PartInfo>;
  uploadPartCopy(
    srcBucket: string,
    srcKey: string,
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    opts?: UploadPartCopyOptions,
  ): Promise<PartInfo>;
  listParts(bucket: string, key: string, uploadId: string, opts?: ListPartsOptions): Promise<ListPartsResult>;
  completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: CompletedPart[], opts?: CompleteMultipartUploadOptions): Promise<ObjectMeta>;
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void>;
  listMultipartUploads(bucket: string, opts: ListMultipartUploadsOptions): Promise<ListMultipartUploadsResult>;

  // access control (acl/, policy/, bucketAccess.ts, objectAcl.ts)
  /** ACL, policy, public access block and ownership of a bucket, from the bucket cache. */
  getBucketAccess(bucket: string): Promise<BucketAccess>;
  putBucketAcl(bucket: string, acl: Acl): Promise<void>;
  /** Validates (MalformedPolicy) and stores the text; undefined deletes. */
  putBucketPolicy(bucket: string, policy: string | undefined): Promise<void>;
  /** undefined deletes. */
  putPublicAccessBlock(bucket: string, config: PublicAccessBlockConfig | undefined): Promise<void>;
  /** undefined deletes. */
  putBucketOwnershipControls(bucket: string, ownership: ObjectOwnership | undefined): Promise<void>;
  getObjectAcl(bucket: string, key: string, opts?: { versionId?: string }): Promise<{ acl: Acl; versionId: string }>;
  putObjectAcl(bucket: string, key: string, acl: Acl, opts?: { versionId?: string }): Promise<{ versionId: string }>;
  /** Owner, ACL and tags of an object (version), for authorization; undefined when it doesn't exist. */
  getObjectAccess(bucket: string, key: string, opts?: { versionId?: string }): Promise<ObjectAccess | undefined>;
  /** For AmazonCustomerByEmail grantees (case-insensitive). */
  findUserByEmail(email: string): Promise<User | undefined>;

  // lifecycle (lifecycle/)
  /** Validated with S3's rules (InvalidArgument / InvalidRequest / MalformedXML); undefined deletes. */
  putBucketLifecycle(bucket: string, config: LifecycleConfiguration | undefined): Promise<void>;
  /** undefined when the bucket has none (from the bucket cache: no I/O). */
  getBucketLifecycle(bucket: string): Promise<LifecycleConfiguration | undefined>;

  // bucket notifications (notifications/)
  /** Validated with S3's rules (InvalidArgument); undefined or no rules removes the configuration. */
  putBucketNotification(bucket: string, config: NotificationConfiguration | undefined): Promise<void>;
  /** `{ rules: [] }` when the bucket has none. */
  getBucketNotification(bucket: string): Promise<NotificationConfiguration>;
  // zone replication (replication/)
  /** Validated with S3's rules; needs versioning Enabled (InvalidRequest); undefined deletes. */
  putBucketReplication(bucket: string, config: ReplicationConfiguration | undefined): Promise<void>;
  getBucketReplication(bucket: string): Promise<ReplicationConfiguration | undefined>;
  /** A peer zone's version, stored with its own version id / ETag / Last-Modified (idempotent). */
  putReplica(bucket: string, key: string, body: BodyInput | undefined, version: ReplicaVersion): Promise<{ created: boolean; versionId: string }>;
  /** One version's fields as replication sends them; undefined when it is gone. */
  replicationSource(bucket: string, key: string, versionId: string): Promise<ReplicationSource | undefined>;
  /** A peer's answer for a version (COMPLETED once all `peers` have it, FAILED when refused). */
  recordReplicationResult(bucket: string, key: string, versionId: string, peer: string, ok: boolean, peers: string[]): Promise<void>;
  /** Resync: queue a version for one peer again; false when no rule covers it or it is a replica. */
  requeueReplication(bucket: string, key: string, versionId: string, peer: string): Promise<boolean>;

  // change feed and workers (feed/, workers/)
  /** Creates a feed consumer reading from the next event on, or enables / disables one. */
  registerFeedConsumer(name: string, opts?: { enabled?: boolean }): Promise<FeedConsumerRecord>;
  unregisterFeedConsumer(name: string): Promise<void>;
  readFeed(name: string, opts?: { limit?: number }): Promise<FeedReadResult>;
  ackFeed(name: string, seq: number): Promise<void>;
  feedStatus(): Promise<FeedStatus>;
  /** Every worker's status record, with the lease of its role. */
  workerStatus(): Promise<(WorkerStatus & { lease?: LeaseRecord })[]>;

  // maintenance
  gc(opts?: { graceMs?: number }): Promise<GcResult>;
  usage(): Promise<UsageReport>;
  /** Per-bucket objects and logical bytes from the stored counters, by bucket name. */
  bucketUsage(): Promise<BucketUsage[]>;
}
