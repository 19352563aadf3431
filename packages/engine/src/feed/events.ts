/**
 * Change-feed events: what every committed change appends to the feed (F/<seq>, keys.ts) in the
 * same batch as the change. Names follow S3's event notification types without the `s3:`
 * prefix (ObjectCreated:Put, ObjectRemoved:DeleteMarkerCreated, LifecycleExpiration:Delete, ...);
 * the few changes S3 has no event type for use the same shape (ObjectRetention:Put,
 * ObjectLegalHold:Put, MultipartUpload:Abort). They carry what notifications and replication
 * need: bucket, key, version, size, ETag, a sequencer that orders events of one key, time and
 * who caused it.
 */
export type FeedEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete'
  | 'ObjectRemoved:DeleteMarkerCreated'
  | 'ObjectTagging:Put'
  | 'ObjectTagging:Delete'
  | 'ObjectAcl:Put'
  | 'ObjectRetention:Put'
  | 'ObjectLegalHold:Put'
  | 'MultipartUpload:Abort'
  | 'LifecycleExpiration:Delete'
  | 'LifecycleExpiration:DeleteMarkerCreated'
  | 'LifecycleExpiration:AbortIncompleteMultipartUpload'
  | 'LifecycleTransition'
  /** `cairn admin replication resync`: send this version to `peer` again (replication/). */
  | 'Replication:Resync';

/** What a change stages on its Txn (commit.ts adds seq, time and the request info). */
export interface PendingEvent {
  event: FeedEventName;
  bucketId: string;
  /** Bucket name (resolved from the bucket cache when the change knows only the id). */
  bucket?: string;
  key: string;
  versionId?: string;
  size?: number;
  etag?: string;
  storageClass?: string;
  uploadId?: string;
  /** The version was written by zone replication (a replica): never replicated again. */
  replica?: true;
  /** Replication:Resync: the peer zone it is for. */
  peer?: string;
}

export interface FeedEvent extends PendingEvent {
  /** Position in the feed: contiguous, strictly increasing, never reused. */
  seq: number;
  /** 16 hex digits of seq: S3's `sequencer` (compare as strings, same key → later is bigger). */
  sequencer: string;
  /** Epoch ms of the commit. */
  time: number;
  requester?: string;
  sourceIp?: string;
  requestId?: string;
  hostId?: string;
}

/** What a change made by a worker is called: lifecycle actions are their own event types. */
export function lifecycleEventName(name: FeedEventName): FeedEventName {
  if (name === 'ObjectRemoved:Delete') return 'LifecycleExpiration:Delete';
  if (name === 'ObjectRemoved:DeleteMarkerCreated') return 'LifecycleExpiration:DeleteMarkerCreated';
  if (name === 'MultipartUpload:Abort') return 'LifecycleExpiration:AbortIncompleteMultipartUpload';
  return name;
}

export const sequencerOf = (seq: number): string => seq.toString(16).toUpperCase().padStart(16, '0');

export interface FeedConsumerRecord {
  /** Last acknowledged seq (0: none). */
  cursor: number;
  enabled: boolean;
  /** How many times events this consumer had not read were dropped (backlog limit). */
  overflows: number;
  /** Events were dropped since its last ack: resync by scanning. */
  overflowed?: boolean;
  /** How many events it had not read were dropped, in all (absent: none). */
  droppedEvents?: number;
  createdAt: number;
}

export interface FeedConsumerStatus extends FeedConsumerRecord {
  name: string;
  /** Events after its cursor. */
  backlog: number;
  /** Age (ms) of the oldest event after its cursor; null: none. */
  oldestAgeMs: number | null;
}

export interface FeedStatus {
  /** Oldest event kept (= nextSeq when empty). */
  firstSeq: number;
  nextSeq: number;
  /** Events kept. */
  size: number;
  maxEvents: number;
  /** Age (ms) of the oldest event some enabled consumer has not acknowledged; null: none. */
  oldestUnackedAgeMs: number | null;
  consumers: FeedConsumerStatus[];
}

export interface FeedReadResult {
  events: FeedEvent[];
  /** Events this consumer had not read were dropped (backlog limit): resync by scanning. */
  overflowed: boolean;
  cursor: number;
}
