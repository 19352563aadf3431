/**
 * The engine's public data types. Everything here is plain data: no HTTP, no XML.
 * The HTTP adapter (apps/s3) and embedders program against these.
 */
import type { Readable } from 'node:stream';
import type { Acl, BucketAccess, ObjectOwnership, PublicAccessBlockConfig } from './acl';
import type { NotificationConfiguration } from './notifications/rules';
import type { FeedReadResult, FeedStatus, FeedConsumerRecord } from './feed/events';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

export type StorageClass =
  | 'STANDARD'
  | 'REDUCED_REDUNDANCY'
  | 'STANDARD_IA'
  | 'ONEZONE_IA'
  | 'INTELLIGENT_TIERING'
  | 'GLACIER'
  | 'DEEP_ARCHIVE'
  | 'GLACIER_IR'
  | 'OUTPOSTS'
  | 'EXPRESS_ONEZONE';

/** One content-addressed chunk: SHA-256 (lowercase hex) of its bytes, and its length. */
export interface ChunkRef {
  hash: string;
  size: number;
  /** Placement (storage directory) holding the chunk; absent = the default one (placement.ts). */
  placement?: string;
}

export interface User {
  id: string;
  displayName: string;
  email?: string;
  createdAt: string; // ISO 8601
  suspended?: boolean;
}

export interface UserInput {
  id: string;
  displayName?: string;
  email?: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AccessKeyLookup {
  user: User;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A user's access key as listed (the secret is only ever returned at creation). */
export interface AccessKeyInfo {
  accessKeyId: string;
  userId: string;
  createdAt: string; // ISO 8601
}

export interface CreatedAccessKey extends AccessKeyInfo {
  secretAccessKey: string;
}

export interface CreateUserInput {
  id: string;
  displayName?: string;
  email?: string;
}

/** Fields updateUser may change; `email: null` removes it. */
export interface UserUpdate {
  displayName?: string;
  email?: string | null;
}

/** What one account was charged (accounting.ts). Bytes are request/response body lengths. */
export interface AccountUsage {
  userId: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Of the above: requests charged to this account as the requester of a Requester Pays bucket. */
  requesterPaysRequests: number;
  requesterPaysBytes: number;
}

/** One CORS rule as S3 stores it (validated by the HTTP layer's CORSConfiguration codec). */
export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/**
 * A bucket's static-website configuration (PutBucketWebsite), as given: either
 * `redirectAllRequestsTo` alone, or an index document with an optional error document and
 * routing rules. Status codes are kept as the strings S3 returns ("302", "404").
 */
export interface WebsiteConfiguration {
  /** IndexDocument/Suffix: appended to requests for `…/` and the root. */
  indexDocument?: string;
  /** ErrorDocument/Key: served (with the error's status) for 4XX errors. */
  errorDocument?: string;
  redirectAllRequestsTo?: { hostName: string; protocol?: string };
  routingRules?: WebsiteRoutingRule[];
}

export interface WebsiteRoutingRule {
  /** Absent: the rule applies to every request. */
  condition?: { keyPrefixEquals?: string; httpErrorCodeReturnedEquals?: string };
  redirect?: WebsiteRedirect;
  /**
   * Cairn extension (`x-cairn-ServeKey`), instead of `redirect`: serve this key with 200 when the
   * rule's error-code condition matches (a single-page app's client-side router fallback).
   */
  serveKey?: string;
}

export interface WebsiteRedirect {
  hostName?: string;
  protocol?: string;
  httpRedirectCode?: string;
  replaceKeyPrefixWith?: string;
  replaceKeyWith?: string;
}

/** Who pays for requests and transfer: Requester Pays buckets charge the (signed) requester. */
export type RequestPayer = 'BucketOwner' | 'Requester';

/** One request to charge: to the requester (Requester Pays) or else the bucket owner / caller. */
export interface UsageCharge {
  userId: string;
  bytesIn?: number;
  bytesOut?: number;
  requesterPays?: boolean;
}

export interface CreateBucketOptions {
  owner: string;
  region?: string;
  /** x-amz-bucket-object-lock-enabled: Object Lock on, versioning Enabled for good (objectLock.ts). */
  objectLockEnabled?: boolean;
  acl?: Acl;
  objectOwnership?: ObjectOwnership;
}

export interface BucketInfo {
  name: string;
  /** Internal id used in metadata keys; never reused, so a re-created bucket starts empty. */
  id: string;
  owner: string; // user id
  createdAt: Date;
  /** LocationConstraint given at creation (the server's region when none was given). */
  region: string;
  /** Absent while versioning was never configured. */
  versioning?: VersioningStatus;
  /** Present once Object Lock is enabled (it cannot be disabled). */
  objectLock?: ObjectLockConfiguration;
}

/** Headers S3 stores with an object and returns on GET/HEAD. */
export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  websiteRedirectLocation?: string;
}

export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** base64 of the big-endian digest, as S3 sends it in x-amz-checksum-* headers. */
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

/** Everything known about one object version, except where its bytes are. */
export interface ObjectMeta extends ContentHeaders {
  bucket: string;
  key: string;
  size: number;
  /** Hex MD5 of the body, or "<hex>-<parts>" for multipart objects. Unquoted. */
  etag: string;
  lastModified: Date;
  /** Keys lower-cased, without the "x-amz-meta-" prefix. */
  userMetadata: Record<string, string>;
  storageClass: StorageClass;
  owner: string;
  /** "null" for objects written while versioning was never enabled (or suspended). */
  versionId: string;
  checksum?: ObjectChecksum;
  /** Sizes of the parts of a multipart object, in order; absent for single PUTs. */
  partSizes?: number[];
  /** Each part's checksum (base64) of a multipart object with a COMPOSITE checksum: what a partNumber read reports. */
  partChecksums?: string[];
  /** Number of object tags (x-amz-tagging-count); absent when none. */
  tagCount?: number;
  /** CopyObject only: the version id of the source that was copied. */
  sourceVersionId?: string;
  /** Object Lock state of this version (objectLock.ts). */
  retention?: ObjectRetention;
  legalHold?: boolean;
  /** The object's ACL when one was set; absent = private to `owner` (acl/). */
  acl?: Acl;
  /** x-amz-replication-status: PENDING / COMPLETED / FAILED on a source, REPLICA on a peer (replication/). */
  replicationStatus?: 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';
}

/** What authorization needs to know about an existing object (version). */
export interface ObjectAccess {
  owner: string;
  acl: Acl;
  /** Object tags by key (s3:ExistingObjectTag/<key>). */
  tags: Record<string, string>;
  versionId: string;
}

export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** A bucket's Object Lock configuration; the default retention applies to new versions. */
export interface ObjectLockConfiguration {
  enabled: true;
  defaultRetention?: { mode: ObjectLockMode; days?: number; years?: number };
}

/** A version's retention: it cannot be deleted before retainUntil (GOVERNANCE: unless bypassed). */
export interface ObjectRetention {
  mode: ObjectLockMode;
  retainUntil: Date;
}

/** Object Lock settings given with a write (x-amz-object-lock-* headers). */
export interface ObjectLockSettings {
  retention?: ObjectRetention;
  legalHold?: boolean;
}

/** Bucket versioning state; absent = never enabled ("Unversioned"). Never goes back to absent. */
export type VersioningStatus = 'Enabled' | 'Suspended';

/** One tag (object or bucket). */
export interface Tag {
  key: string;
  value: string;
}

/** One entry of ListObjectVersions: a version or a delete marker. */
export interface ObjectVersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  lastModified: Date;
  owner: string;
  deleteMarker: boolean;
  /** Absent for delete markers. */
  meta?: ObjectMeta;
}

export interface ListObjectVersionsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  /** 0..1000 */
  maxKeys: number;
}

export interface ListObjectVersionsResult {
  entries: ObjectVersionEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

export interface ReadConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

/** Conditional write (PUT / Complete): evaluated atomically against the current object. */
export interface WriteConditions {
  /** "*" means "must exist"; otherwise the current ETag must match. */
  ifMatch?: string;
  /** Only "*" is meaningful: the key must not exist. */
  ifNoneMatch?: string;
}

/** A parsed Range header; resolved against the object size by the engine. */
export type ByteRangeSpec =
  | { kind: 'range'; start: number; end?: number } // bytes=a-b or bytes=a-
  | { kind: 'suffix'; length: number }; // bytes=-n

/** What the engine computed while streaming a body, handed to `verify` before commit. */
export interface BodyDigests {
  size: number;
  md5: Buffer;
  checksum?: { algorithm: ChecksumAlgorithm; value: Buffer };
}

export type BodyInput = Readable | AsyncIterable<Buffer | Uint8Array>;

export interface PutObjectOptions extends ContentHeaders {
  owner: string;
  /** The change-feed event name: a browser-form POST upload is `ObjectCreated:Post` (S3's notification type). */
  feedEvent?: 'ObjectCreated:Put' | 'ObjectCreated:Post';
  userMetadata?: Record<string, string>;
  storageClass?: StorageClass;
  /** Declared length; a body that ends short fails with IncompleteBody, one that runs long with InvalidRequest. */
  contentLength?: number;
  /** Compute this checksum while streaming and store it with the object. */
  checksumAlgorithm?: ChecksumAlgorithm;
  conditions?: WriteConditions;
  /** Object tags (validated: tags.ts). */
  tags?: Tag[];
  /** Object Lock retention / legal hold for the new version (bucket default otherwise). */
  lock?: ObjectLockSettings;
  /** The new object's ACL (absent = private to `owner`). */
  acl?: Acl;
  /**
   * Called once the whole body has been read and before anything is committed.
   * Throw (an S3Error) to abort: nothing becomes visible and the chunks are released.
   * The HTTP layer checks Content-MD5, x-amz-checksum-* headers and trailers here.
   */
  verify?: (digests: BodyDigests) => void | Promise<void>;
}

export interface GetObjectOptions {
  versionId?: string;
  range?: ByteRangeSpec;
  conditions?: ReadConditions;
}

export interface GetObjectResult {
  meta: ObjectMeta;
  /** Resolved inclusive byte range when a Range was given and satisfiable. */
  range?: { start: number; end: number };
  body: Readable;
  /**
   * The same bytes as `body`, when they are already in memory (bodies stored inline in metadata):
   * a server can send them with the headers in one write instead of piping a stream.
   */
  bytes?: Buffer;
}

export interface DeleteObjectResult {
  versionId?: string;
  deleteMarker?: boolean;
}

export interface CopyObjectOptions {
  owner: string;
  srcVersionId?: string;
  metadataDirective?: 'COPY' | 'REPLACE';
  /** Used when metadataDirective is REPLACE. */
  contentHeaders?: ContentHeaders;
  userMetadata?: Record<string, string>;
  storageClass?: StorageClass;
  /** x-amz-copy-source-if-* */
  sourceConditions?: ReadConditions;
  /** If-Match / If-None-Match on the destination. */
  conditions?: WriteConditions;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** COPY (default) keeps the source's tags; REPLACE uses `tags`. */
  taggingDirective?: 'COPY' | 'REPLACE';
  tags?: Tag[];
  /** Object Lock settings of the copy (never copied from the source, as in S3). */
  lock?: ObjectLockSettings;
  /** The copy's ACL (absent = private to `owner`; never copied from the source). */
  acl?: Acl;
  /** x-amz-website-redirect-location of the copy: never copied from the source (S3), whatever the directive. */
  websiteRedirectLocation?: string;
}

export interface ListObjectsOptions {
  prefix?: string;
  delimiter?: string;
  /** Exclusive: only keys (and common prefixes) sorting after this are returned. */
  startAfter?: string;
  /** 0..1000; the HTTP layer clamps. */
  maxKeys: number;
}

export interface ListObjectsResult {
  objects: ObjectMeta[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: pass as startAfter to continue. */
  nextStartAfter?: string;
}

export interface ListBucketsOptions {
  prefix?: string;
  maxBuckets?: number;
  /** Exclusive start: a bucket name returned as continuationToken by a previous page. */
  continuationToken?: string;
}

export interface ListBucketsResult {
  buckets: BucketInfo[];
  continuationToken?: string;
}

export interface DeleteObjectsItem {
  key: string;
  versionId?: string;
}

export interface DeleteObjectsResultItem {
  key: string;
  versionId?: string;
  deleteMarker?: boolean;
  deleteMarkerVersionId?: string;
  error?: { code: string; message: string };
}

export interface GcResult {
  chunksRemoved: number;
  bytesRemoved: number;
}

/** One bucket's counters (bucketUsage()): versions of every kind count as objects. */
export interface BucketUsage {
  name: string;
  owner: string;
  objects: number;
  logicalBytes: number;
}

/** One finished gc() run, as reported to Engine.onGcRun listeners (metrics). */
export interface GcRunReport {
  result?: GcResult;
  error?: unknown;
  durationMs: number;
}

export interface UsageReport {
  buckets: number;
  objects: number;
  /** Sum of object sizes as clients see them. */
  logicalBytes: number;
  /** Bytes of chunk files on disk (each distinct chunk once): logical / physical = dedup ratio. */
  physicalBytes: number;
  chunks: number;
}

// ---- multipart uploads (multipart.ts)

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface CreateMultipartUploadOptions extends ContentHeaders {
  owner: string;
  userMetadata?: Record<string, string>;
  storageClass?: StorageClass;
  /** Every part is checksummed with it and the object gets a multipart checksum. */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** Default: FULL_OBJECT for CRC64NVME, COMPOSITE otherwise (as S3). */
  checksumType?: ChecksumType;
  /** The completed object's ACL (absent = private to `owner`). */
  acl?: Acl;
  /** Object tags of the completed object. */
  tags?: Tag[];
  /** Object Lock settings of the completed object. */
  lock?: ObjectLockSettings;
}

export interface MultipartUploadInfo {
  bucket: string;
  key: string;
  /** Unique, URL-safe; sorts by initiation time. */
  uploadId: string;
  initiated: Date;
  owner: string;
  storageClass: StorageClass;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
}

export interface UploadPartOptions {
  contentLength?: number;
  /** The algorithm the request's checksum header/trailer names; must match the upload's (if it has one). */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** As for putObject: runs after the body, before the commit (Content-MD5, checksums). */
  verify?: (digests: BodyDigests) => void | Promise<void>;
}

export interface PartInfo {
  partNumber: number;
  /** Hex MD5 of the part's bytes. Unquoted. */
  etag: string;
  size: number;
  lastModified: Date;
  /** base64, when the upload has a checksum algorithm. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** UploadPartCopy: the version of the source that was copied (absent for "null"). */
  copySourceVersionId?: string;
}

export interface UploadPartCopyOptions {
  srcVersionId?: string;
  /** x-amz-copy-source-range, inclusive; must lie within the source. */
  range?: { start: number; end: number };
  /** x-amz-copy-source-if-* */
  sourceConditions?: ReadConditions;
}

export interface ListPartsOptions {
  /** Exclusive: parts after this number. */
  partNumberMarker?: number;
  /** 1..1000 (default 1000). */
  maxParts?: number;
}

export interface ListPartsResult {
  upload: MultipartUploadInfo;
  parts: PartInfo[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

export interface CompletedPart {
  partNumber: number;
  /** Quoted or not. */
  etag: string;
  /** base64 part checksum the client sent (ChecksumCRC32 ...): must match the stored one. */
  checksum?: string;
}

export interface CompleteMultipartUploadOptions {
  conditions?: WriteConditions;
  /** x-amz-checksum-type: must equal the upload's. */
  checksumType?: ChecksumType;
  /** Whole-object checksum the client expects (x-amz-checksum-*; "value-N" for composite). */
  expectedChecksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** x-amz-mp-object-size */
  expectedSize?: number;
}

export interface ListMultipartUploadsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  /** Only with keyMarker: uploads of keyMarker initiated after this one are included. */
  uploadIdMarker?: string;
  /** 0..1000 */
  maxUploads: number;
}

export interface ListMultipartUploadsResult {
  uploads: MultipartUploadInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key (or common prefix) and upload id ('' after a prefix) listed; absent when nothing was. */
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

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
   * placement is `dataDir` itself. Each directory gets its own `chunks/` tree.
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

// ---- lifecycle configuration (lifecycle/rules.ts validates and evaluates it)

export interface LifecycleAndFilter {
  prefix?: string;
  tags: Tag[];
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
}

/** A rule's Filter: at most one field set ({} = every object). */
export interface LifecycleFilter {
  prefix?: string;
  tag?: Tag;
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
  and?: LifecycleAndFilter;
}

export interface LifecycleTransition {
  days?: number;
  /** ISO 8601, midnight UTC. */
  date?: string;
  storageClass: StorageClass;
}

export interface NoncurrentTransition {
  noncurrentDays: number;
  newerNoncurrentVersions?: number;
  storageClass: StorageClass;
}

export interface LifecycleRule {
  id: string;
  status: 'Enabled' | 'Disabled';
  /** The legacy top-level Prefix (a rule has it or `filter`, never both). */
  prefix?: string;
  filter?: LifecycleFilter;
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  transitions?: LifecycleTransition[];
  noncurrentVersionExpiration?: { noncurrentDays: number; newerNoncurrentVersions?: number };
  noncurrentVersionTransitions?: NoncurrentTransition[];
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
}

// ---- workers and their leases (workers/, meta/leases.ts)

export interface LeaseRecord {
  owner: string;
  /** Epoch ms. */
  expiresAt: number;
  /** When the current owner first got it (epoch ms). */
  acquiredAt: number;
}

export interface LeaseResult {
  /** True when the caller holds the lease now. */
  held: boolean;
  /** The lease as it is after the call (absent: nobody holds it). */
  lease?: LeaseRecord;
}

/** A worker's status record W/<worker> (admin API GET /admin/workers). */
export interface WorkerStatus {
  worker: string;
  /** Lease owner id of the process running it (host:pid:random). */
  owner: string;
  mode: 'in-process' | 'separate';
  pid: number;
  /** running: holds the lease; standby: another process holds it; stopped: shut down cleanly. */
  state: 'running' | 'standby' | 'stopped';
  lastRunStart?: number;
  lastRunEnd?: number;
  /** Versions / uploads looked at and actions applied by the last complete run. */
  lastRunScanned?: number;
  lastRunActed?: number;
  totalScanned: number;
  totalActed: number;
  errors: number;
  lastError?: string;
  /** Where the current run is: bucket and the last key done. */
  cursor?: { bucket: string; after?: string };
  updatedAt: number;
}

/**
 * The engine's API as the HTTP adapter and embedders use it. `Engine` (engine.ts) implements it.
 * Every method throws S3Error with S3's code on failure (NoSuchBucket, NoSuchKey, ...).
 */
export interface EngineApi {
  readonly options: Readonly<Required<Omit<EngineOptions, 'db' | 'chunkFileSystem' | 'meta'>>>; // placements: {} when none
  close(): Promise<void>;

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
  deleteObjects(bucket: string, items: DeleteObjectsItem[], owner?: string, opts?: { bypassGovernance?: boolean }): Promise<DeleteObjectsResultItem[]>;
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

  // multipart uploads (multipart.ts)
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

// ---- zone replication (replication/): plain data, declared here so EngineApi names it without an import cycle

export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

export interface ReplicationFilter {
  prefix?: string;
  tag?: { key: string; value: string };
  and?: { prefix?: string; tags: { key: string; value: string }[] };
}

export interface ReplicationRule {
  id: string;
  priority?: number;
  status: 'Enabled' | 'Disabled';
  /** V2 schema (a Filter was given). */
  filter?: ReplicationFilter;
  /** V1 schema: the rule-level Prefix (delete markers always replicate, as in S3). */
  prefix?: string;
  /** V2: whether delete markers replicate (absent in V1 rules). */
  deleteMarkerReplication?: 'Enabled' | 'Disabled';
  /** Destination bucket NAME (from `arn:aws:s3:::NAME`). */
  destinationBucket: string;
  storageClass?: string;
}

export interface ReplicationConfiguration {
  role: string;
  rules: ReplicationRule[];
}

/** One version as replication transfers it (JSON-shaped). */
export interface ReplicaVersion {
  versionId: string;
  deleteMarker?: boolean;
  size: number;
  etag: string;
  /** Epoch ms. */
  lastModified: number;
  owner?: string;
  storageClass?: StorageClass;
  userMetadata?: Record<string, string>;
  headers?: ContentHeaders;
  tags?: [string, string][];
  checksum?: ObjectChecksum;
  partSizes?: number[];
  partChecksums?: string[];
}

export interface ReplicationSource extends ReplicaVersion {
  replicationStatus?: ReplicationStatus;
  replicatedTo?: string[];
}
