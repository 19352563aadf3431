export { Engine, DEFAULT_GC_GRACE_MS, DEFAULT_GC_PASS_LIMIT, DEFAULT_REGION } from './engine';
export type { GcCursor, GcPassResult } from './maintenance/gc';
export {
  S3Error,
  isS3Error,
  s3Error,
  ERROR_TABLE,
  statusOf,
  isKnownCode,
  noSuchKey,
  noSuchBucket,
  noSuchUpload,
  noSuchVersion,
  accessDenied,
  invalidArgument,
  invalidRequest,
  malformedXml,
  internalError,
  methodNotAllowed,
} from './errors';
export type { S3ErrorCode, S3ErrorDetails, ErrorSpec } from './errors';
export * from './types';
export { parseRange, resolveRange, formatRange } from './objects/range';
export { evaluateReadConditions, evaluateCopySourceConditions, evaluateWriteConditions, etagMatches } from './objects/conditions';
export { validateBucketName, bucketNameProblem } from './buckets/bucketName';
export {
  validateObjectKey,
  validateWebsiteRedirectLocation,
  MAX_OBJECT_SIZE,
  MAX_KEY_BYTES,
  MAX_USER_METADATA_BYTES,
  STORAGE_CLASSES,
} from './objects/validation';
export { validateWebsiteConfiguration, MAX_ROUTING_RULES } from './buckets/website';
export { createChecksum } from './chunks/checksums';
export type { Hasher } from './chunks/checksums';
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, CHUNKS_DIR, CHUNKS_TMP_DIR, META_DIR, chunkRelativePath, NODE_CHUNK_FS } from './chunks/chunkStore';
export type { ChunkFileSystem, ChunkFileHandle } from './chunks/chunkStore';
export type { ChunkBackend, StoredChunk } from './chunks/chunkBackend';
export { isS3ChunkUrl, parseS3ChunkUrl, describeS3Location } from './chunks/s3ChunkStore';
export type { S3ChunkLocation, S3ChunkCredentials } from './chunks/s3ChunkStore';
export type { ConsistencyReport } from './maintenance/consistency';
export { ROOT_USER_ID } from './accounts/users';
export * from './acl';
export { checkAclAllowed } from './buckets/bucketAccess';
export * as policy from './policy';
export { parsePolicy, evaluatePolicy, isPublicPolicy, normalizeConditionKey } from './policy';
export type { Policy, PolicyRequest, PolicyPrincipal, Decision, ContextValue } from './policy';
export { fsck, FsckError } from './maintenance/fsck';
export { openedInEarlierBoot } from './meta/bootMarker';
export type { FsckOptions, FsckReport, FsckProgress, FsckGarbage, Finding as FsckFinding, FindingKind as FsckFindingKind } from './maintenance/fsck';
export type { RequestInfo } from './feed/requestInfo';
export { pooledRandom } from './meta/randomPool';
export { releaseBodyBuffer } from './chunks/readBuffers';
export type { FeedEvent, FeedEventName } from './feed/events';
export { DEFAULT_FEED_MAX_EVENTS } from './feed/feed';
export type { FeedStatus, FeedReadResult, FeedConsumerRecord, FeedConsumerStatus } from './feed/feed';
export type { LeaseRecord, LeaseResult } from './meta/leases';
export * from './lifecycle/rules';
export * from './notifications/rules';
export type { NotificationBucket } from './notifications/config';
export type { LifecycleBucket, LifecycleAction, ApplyResult, ScanPage, ScannedKey, ScannedVersion, ScannedUpload } from './lifecycle/store';
export { LIFECYCLE_REQUESTER } from './lifecycle/store';
export * from './workers/api';
export { validateReplicationConfiguration, replicationRuleFor, destinationBucketOf } from './replication/config';
export type { ReplicationConfiguration, ReplicationRule, ReplicationFilter } from './replication/config';
export type { ReplicaVersion, ReplicationSource } from './replication/replicas';
export type { ReplicationStatus } from './meta/records';
export { WorkerRunner, DEFAULT_LEASE_TTL_MS } from './workers/runtime';
export type { Worker, PassContext, RunnerOptions } from './workers/runtime';
export { LifecycleWorker, LIFECYCLE_WORKER, decideKeyActions } from './workers/lifecycleWorker';
export type { LifecycleWorkerOptions } from './workers/lifecycleWorker';
export { RpcServer, RpcClient, rpcSocketPath, RPC_SOCKET_NAME } from './workers/rpc';
export { KNOWN_WORKERS, NOTIFY_WORKERS, createWorker, parseWorkerList } from './workers/registry';
export type { WorkerOptions } from './workers/registry';
