/**
 * THE metadata key layout. Every LevelDB key the engine reads or writes is built here and
 * nowhere else. Keys are raw bytes (Buffer key encoding), so ordering is byte-wise, which for
 * UTF-8 text equals code-point order. Values are JSON unless noted; times are epoch ms.
 *
 *   U/<userId>                         User record
 *   K/<accessKeyId>                    { userId, secret, createdAt }. A user's keys are found by
 *                                      scanning K/ (admin-only, rare; keeps upserts index-free and
 *                                      stores written before the admin API correct)
 *   A/<userId>                         { requests, bytesIn, bytesOut, requesterPaysRequests, ... }
 *                                      usage charged to the account (accounting.ts: in-memory
 *                                      counters flushed in one batch every few seconds)
 *   S/<name>                           settings / counters:
 *                                        S/root       { accessKeyId } of the root user
 *                                        S/bucketSeq  { next } bucket id counter (ids never reused)
 *                                        S/chunks     { chunks, bytes } distinct chunks with a C/ record
 *   B/<bucketName>                     { id, owner, createdAt, region, ...settings } (settings:
 *                                      cors, requestPayer — bucketSettings.ts; others' features)
 *   I/<ownerId>\0<bucketName>          empty: owner index for ListBuckets (sorted, seekable)
 *   T/<bucketId>                       { objects, bytes } per-bucket usage counters
 *   O/<bucketId>\0<key>                current object record (records.ts); chunk list inline
 *                                      when small, else in D/ segments
 *   D/<dataId>\0<offset, 16 digits>    BINARY chunk-list segment of one object body, keyed by the
 *                                      byte offset of its first chunk (seekable for ranges)
 *   X/<dataId>                         BINARY body of a small object stored inline (records.ts)
 *   V/<bucketId>\0<key>\0<vtoken>      NONCURRENT versions of a key (records.ts ObjectRecord, or a
 *                                      delete marker), newest first (see versions.ts)
 *   N/<bucketId>\0<key>                 vtoken (utf8) of the key's "null" version while it is
 *                                      noncurrent (at most one null version per key)
 *   M/<bucketId>\0<key>\0<uploadId>    multipart upload in progress (multipart/uploadRecords.ts UploadRecord);
 *                                      uploadIds sort by initiation time, so a key's uploads list
 *                                      in the order ListMultipartUploads wants
 *   P/<uploadId>\0<partNo, 5 digits>   one uploaded part (multipart/uploadRecords.ts PartRecord): etag, size,
 *                                      checksum, chunk list (inline or D/ segments, like objects).
 *                                      Each part holds one reference on each of its chunks
 *   Q/<queue>/<seq>                    reserved: durable work queues
 *   F/<seq, 16 digits>                 change-feed event (feed/events.ts FeedEvent), appended in
 *                                      the SAME batch as the change it describes (commit.ts);
 *                                      seqs are contiguous and only ever trimmed from the front
 *                                        S/feedSeq  { next } next feed sequence number
 *   R/<consumer>                       feed consumer: { cursor (last acked seq), enabled,
 *                                      overflows, overflowed? } (feed/feed.ts)
 *   L/<lease name>                     lease { owner, expiresAt, acquiredAt } (feed/leases.ts): a
 *                                      worker's claim on a role / bucket / partition, in the db so
 *                                      any process sharing the store sees it
 *   W/<worker>                         worker status { lastRunStart, scanned, acted, errors, ... }
 *   W/<worker>\0<sub>                  worker state, e.g. the lifecycle worker's per-bucket cursor
 *                                      W/lifecycle\0<bucketId> { generation, after, ... }
 *   C/<chunkId>                        { refs, size, zeroedAt? } chunk reference count
 *   Z/<zeroedAt, 16 digits>\0<chunkId> empty: GC candidate (refs reached 0 at zeroedAt); ordered
 *                                      by time so GC reads only the expired ones
 *
 * Chunk ids: a chunk is identified by (placement, sha256). In the default placement the id is
 * the bare sha256 hex (the layout every store had before placements existed); in placement P it
 * is `P/<sha256 hex>` (placement.ts: names are [a-z0-9_-], so no id of one form is one of the
 * other). Dedup happens within a placement; the same bytes in two placements are two chunks.
 *
 * Versions: O/ always holds the LATEST version of a key (object or delete marker), so ListObjects
 * never touches history; every key with any version has an O/ record. Older versions live under
 * V/, keyed by a version token ("vtoken") that sorts newest first byte-wise: 16 hex digits of
 * (2^64-1 - (epochMs << 20 | counter)) + 8 random hex digits (versions.ts). A non-null
 * versionId IS its vtoken (24 lowercase hex chars: URL-safe, unique across processes, sortable);
 * a "null" version carries its vtoken in the record (`vt`) and is found through N/.
 *
 * A new key kind must also be known to consistency.ts (UNDERSTOOD_KINDS, and collectReferences
 * when its records hold chunks): fsck refuses to repair a store with kinds it doesn't know.
 *
 * The `\0` separator is safe because object keys, user ids and bucket ids never contain NUL
 * (validated at the edges); it also makes `O/<id>\0` a prefix no other bucket's keys share.
 */

const SEP = 0;

/**
 * Every record kind (a key's first two bytes), as laid out above. Keys are built only through
 * `k`, whose first argument must be one of these; consistency.ts derives the kinds fsck
 * understands from this list.
 */
export const RECORD_KINDS = ['U/', 'K/', 'A/', 'S/', 'B/', 'I/', 'T/', 'O/', 'D/', 'X/', 'V/', 'N/', 'M/', 'P/', 'C/', 'Z/', 'F/', 'R/', 'L/', 'W/'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

function k(kind: RecordKind, ...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat([Buffer.from(kind, 'latin1'), ...parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))]);
}

const NUL = Buffer.from([SEP]);

/** Smallest key greater than every key starting with `prefix` (undefined: no such key). */
export function prefixSuccessor(prefix: Buffer): Buffer | undefined {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0xff) {
      out[i]++;
      return out.subarray(0, i + 1);
    }
  }
  return undefined;
}

/** Smallest key greater than `key` itself (every stored key is longer, or differs, after it). */
export const justAfter = (key: Buffer): Buffer => Buffer.concat([key, NUL]);

/** `base` + a name inside its keyspace (the range scanner's prefix and common-prefix keys). */
export const nameKey = (base: Buffer, name: string): Buffer => Buffer.concat([base, Buffer.from(name, 'utf8')]);

export interface KeyRange {
  gte: Buffer;
  lt: Buffer;
}

function prefixRange(prefix: Buffer): KeyRange {
  // Every prefix here starts with an ASCII letter, so a successor always exists.
  return { gte: prefix, lt: prefixSuccessor(prefix)! };
}

function pad16(n: number): string {
  return Math.max(0, Math.floor(n)).toString().padStart(16, '0');
}

// users and keys
export const userKey = (id: string): Buffer => k('U/', id);
export const accessKeyKey = (akid: string): Buffer => k('K/', akid);
export const accessKeysRange = (): KeyRange => prefixRange(k('K/'));
export const decodeAccessKeyKey = (key: Buffer): string => key.subarray(2).toString('utf8');
export const usersRange = (): KeyRange => prefixRange(k('U/'));
export const accountUsageKey = (userId: string): Buffer => k('A/', userId);
export const accountUsageRange = (): KeyRange => prefixRange(k('A/'));
export const decodeAccountUsageKey = (key: Buffer): string => key.subarray(2).toString('utf8');
export const settingKey = (name: string): Buffer => k('S/', name);
export const ROOT_SETTING = 'root';
export const BUCKET_SEQ_SETTING = 'bucketSeq';
export const CHUNK_STATS_SETTING = 'chunks';

// buckets
export const bucketKey = (name: string): Buffer => k('B/', name);
export const bucketsRange = (): KeyRange => prefixRange(k('B/'));
export const decodeBucketKey = (key: Buffer): string => key.subarray(2).toString('utf8');

export const ownerIndexKey = (owner: string, name: string): Buffer => k('I/', owner, NUL, name);
export const ownerIndexPrefix = (owner: string): Buffer => k('I/', owner, NUL);
export function decodeOwnerIndexKey(key: Buffer, owner: string): string {
  return key.subarray(ownerIndexPrefix(owner).length).toString('utf8');
}

export const bucketStatsKey = (bucketId: string): Buffer => k('T/', bucketId);

// objects
export const objectPrefix = (bucketId: string): Buffer => k('O/', bucketId, NUL);
export const objectKey = (bucketId: string, key: string): Buffer => k('O/', bucketId, NUL, key);
export const objectsRange = (bucketId: string): KeyRange => prefixRange(objectPrefix(bucketId));
export function decodeObjectKey(dbKey: Buffer, prefixLength: number): string {
  return dbKey.subarray(prefixLength).toString('utf8');
}

// chunk-list segments
export const dataPrefix = (dataId: string): Buffer => k('D/', dataId, NUL);
export const dataSegmentKey = (dataId: string, offset: number): Buffer => k('D/', dataId, NUL, pad16(offset));
export const dataRange = (dataId: string): KeyRange => prefixRange(dataPrefix(dataId));
export function decodeDataSegmentOffset(key: Buffer): number {
  return Number(key.subarray(key.length - 16).toString('latin1'));
}

// inline bodies
export const inlineDataKey = (dataId: string): Buffer => k('X/', dataId);
export const allInlineDataRange = (): KeyRange => prefixRange(k('X/'));
export const decodeInlineDataKey = (key: Buffer): string => key.subarray(2).toString('utf8');

// chunks (arguments and results named `hash` here are chunk ids, see the header)
export const DEFAULT_PLACEMENT = 'default';
/** The id of chunk `hash` in `placement` (undefined or DEFAULT_PLACEMENT: the default one). */
export const chunkId = (placement: string | undefined, hash: string): string =>
  placement === undefined || placement === DEFAULT_PLACEMENT ? hash : `${placement}/${hash}`;
export function parseChunkId(id: string): { placement: string; hash: string } {
  const slash = id.lastIndexOf('/');
  return slash < 0 ? { placement: DEFAULT_PLACEMENT, hash: id } : { placement: id.slice(0, slash), hash: id.slice(slash + 1) };
}
export const chunkKey = (hash: string): Buffer => k('C/', hash);
export const chunksRange = (): KeyRange => prefixRange(k('C/'));
export const decodeChunkKey = (key: Buffer): string => key.subarray(2).toString('latin1');

export const gcMarkerKey = (zeroedAt: number, hash: string): Buffer => k('Z/', pad16(zeroedAt), NUL, hash);
/** GC markers whose zeroedAt is strictly before `time`. */
export const gcMarkersBefore = (time: number): KeyRange => ({ gte: k('Z/'), lt: k('Z/', pad16(time)) });
export function decodeGcMarkerKey(key: Buffer): { zeroedAt: number; hash: string } {
  return { zeroedAt: Number(key.subarray(2, 18).toString('latin1')), hash: key.subarray(19).toString('latin1') };
}

// change feed, consumers, leases, worker records (feed/, workers/)
export const FEED_SEQ_SETTING = 'feedSeq';
export const feedEventKey = (seq: number): Buffer => k('F/', pad16(seq));
export const feedRange = (): KeyRange => prefixRange(k('F/'));
/** Events with seq in [from, to). */
export const feedRangeBetween = (from: number, to: number): KeyRange => ({ gte: feedEventKey(from), lt: feedEventKey(to) });
export const decodeFeedEventKey = (key: Buffer): number => Number(key.subarray(2).toString('latin1'));
export const feedConsumerKey = (name: string): Buffer => k('R/', name);
export const feedConsumersRange = (): KeyRange => prefixRange(k('R/'));
export const decodeFeedConsumerKey = (key: Buffer): string => key.subarray(2).toString('utf8');
export const leaseKey = (name: string): Buffer => k('L/', name);
export const leasesRange = (): KeyRange => prefixRange(k('L/'));
export const workerStatusKey = (worker: string): Buffer => k('W/', worker);
export const workerStateKey = (worker: string, sub: string): Buffer => k('W/', worker, NUL, sub);
export const workerStatusRange = (): KeyRange => prefixRange(k('W/'));
/** W/<worker>[\0<sub>] → { worker, sub? }. */
export function decodeWorkerKey(key: Buffer): { worker: string; sub?: string } {
  const sep = key.indexOf(SEP, 2);
  return sep < 0
    ? { worker: key.subarray(2).toString('utf8') }
    : { worker: key.subarray(2, sep).toString('utf8'), sub: key.subarray(sep + 1).toString('utf8') };
}

// whole key spaces (consistency checks)
export const allDataSegmentsRange = (): KeyRange => prefixRange(k('D/'));
export const decodeDataSegmentId = (key: Buffer): string => key.subarray(2, key.indexOf(SEP, 2)).toString('utf8');
export const allBucketStatsRange = (): KeyRange => prefixRange(k('T/'));
export const decodeBucketStatsKey = (key: Buffer): string => key.subarray(2).toString('utf8');
export const allGcMarkersRange = (): KeyRange => prefixRange(k('Z/'));

// versions (see versions.ts)
export const versionPrefix = (bucketId: string, key: string): Buffer => k('V/', bucketId, NUL, key, NUL);
export const versionKey = (bucketId: string, key: string, vtoken: string): Buffer => k('V/', bucketId, NUL, key, NUL, vtoken);
export const versionsRange = (bucketId: string, key: string): KeyRange => prefixRange(versionPrefix(bucketId, key));
export const bucketVersionsRange = (bucketId: string): KeyRange => prefixRange(k('V/', bucketId, NUL));
export const nullVersionKey = (bucketId: string, key: string): Buffer => k('N/', bucketId, NUL, key);
export const allVersionsRange = (): KeyRange => prefixRange(k('V/'));
export const allNullVersionsRange = (): KeyRange => prefixRange(k('N/'));
export function decodeNullVersionKey(key: Buffer): { bucketId: string; key: string } {
  const sep = key.indexOf(SEP, 2);
  return { bucketId: key.subarray(2, sep).toString('utf8'), key: key.subarray(sep + 1).toString('utf8') };
}

// multipart uploads
export const uploadKey = (bucketId: string, key: string, uploadId: string): Buffer => k('M/', bucketId, NUL, key, NUL, uploadId);
export const uploadsPrefix = (bucketId: string): Buffer => k('M/', bucketId, NUL);
export const uploadsRange = (bucketId: string): KeyRange => prefixRange(uploadsPrefix(bucketId));
/** Splits M/<bucketId>\0<key>\0<uploadId> (prefixLength = uploadsPrefix(bucketId).length). */
export function decodeUploadKey(dbKey: Buffer, prefixLength: number): { key: string; uploadId: string } {
  const sep = dbKey.lastIndexOf(SEP);
  return { key: dbKey.subarray(prefixLength, sep).toString('utf8'), uploadId: dbKey.subarray(sep + 1).toString('utf8') };
}
export const allUploadsRange = (): KeyRange => prefixRange(k('M/'));
/** ListMultipartUploads resuming after upload `uploadId` of `key`. */
export const uploadSeekAfter = (bucketId: string, key: string, uploadId: string): Buffer => k('M/', bucketId, NUL, key, NUL, uploadId, NUL);
/** ListMultipartUploads resuming past every upload of `key` (uploads are <key>\0<uploadId>). */
export const uploadsSeekPastKey = (bucketId: string, key: string): Buffer => k('M/', bucketId, NUL, key, Buffer.from([SEP + 1]));
export const partsPrefix = (uploadId: string): Buffer => k('P/', uploadId, NUL);
export const partKey = (uploadId: string, partNumber: number): Buffer => k('P/', uploadId, NUL, String(partNumber).padStart(5, '0'));
export const partsRange = (uploadId: string): KeyRange => prefixRange(partsPrefix(uploadId));
export const decodePartNumber = (dbKey: Buffer): number => Number(dbKey.subarray(dbKey.length - 5).toString('latin1'));
export const allPartsRange = (): KeyRange => prefixRange(k('P/'));
export function decodePartKey(dbKey: Buffer): { uploadId: string; partNumber: number } {
  return { uploadId: dbKey.subarray(2, dbKey.length - 6).toString('utf8'), partNumber: decodePartNumber(dbKey) };
}

// whole-store scans (consistency.ts / fsck): decode keys without knowing their bucket first
export const allObjectsRange = (): KeyRange => prefixRange(k('O/'));
/** Splits O/<bucketId>\0<key>. */
export function decodeAnyObjectKey(dbKey: Buffer): { bucketId: string; key: string } {
  const sep = dbKey.indexOf(SEP, 2);
  return { bucketId: dbKey.subarray(2, sep).toString('utf8'), key: dbKey.subarray(sep + 1).toString('utf8') };
}
/** Splits V/<bucketId>\0<key>\0<vtoken> (and M/<bucketId>\0<key>\0<uploadId>: same shape). */
export function decodeAnyVersionKey(dbKey: Buffer): { bucketId: string; key: string; last: string } {
  const first = dbKey.indexOf(SEP, 2);
  const last = dbKey.lastIndexOf(SEP);
  return {
    bucketId: dbKey.subarray(2, first).toString('utf8'),
    key: dbKey.subarray(first + 1, last).toString('utf8'),
    last: dbKey.subarray(last + 1).toString('utf8'),
  };
}
export const allOwnerIndexRange = (): KeyRange => prefixRange(k('I/'));
/** Splits I/<ownerId>\0<bucketName>. */
export function decodeAnyOwnerIndexKey(dbKey: Buffer): { owner: string; name: string } {
  const sep = dbKey.indexOf(SEP, 2);
  return { owner: dbKey.subarray(2, sep).toString('utf8'), name: dbKey.subarray(sep + 1).toString('utf8') };
}
/** The record kind of a key: its letter prefix ("O/"). */
export const recordKindOf = (dbKey: Buffer): string => dbKey.subarray(0, 2).toString('latin1');
/** The first key after every key of kind `kind` ("O/"). */
export const afterRecordKind = (kind: string): Buffer => prefixSuccessor(Buffer.from(kind, 'latin1'))!;
