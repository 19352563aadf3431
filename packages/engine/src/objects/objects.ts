/**
 * Object operations: put / get / head / delete / deleteObjects / copy.
 *
 * Writes: the body is chunked and written OUTSIDE the commit lock; then `verify`; then, under
 * the commit lock, conditions are checked against the current record and one batch swaps the
 * record and moves the chunk references (+1 new, -1 old). Reads take a read lease before
 * reading the record (GC keeps chunks a live lease might need) and a db snapshot so the record
 * and its chunk list are consistent.
 */
import { S3Error, internalError, invalidArgument, invalidRequest, noSuchKey, noSuchVersion, methodNotAllowed } from '../errors';
import type { Txn } from '../meta/commit';
import type { Ctx } from '../context';
import type { Snapshot } from '../meta/db';
import { findVersion, readLatest, stageDeleteLatest, stageDeleteVersion, stageRetire, validateVersionId } from '../versions/versions';
import { toStoredTags, validateTags } from '../tagging/tags';
import { applyLock, checkLockSettings } from '../lock/lockRules';
import * as keys from '../meta/keys';
import { chunkBody } from '../chunks/chunker';
import { discardUnreferenced } from '../maintenance/gc';
import { evaluateCopySourceConditions, evaluateReadConditions, evaluateWriteConditions, type ConditionTarget } from './conditions';
import { resolveRange } from './range';
import { recheckBucket, requireBucket } from '../buckets/bucketRecord';
import { openBodyStream } from '../chunks/objectStream';
import { relocateChunks } from '../chunks/placement';
import { stageObjectEvent } from '../feed/emit';
import { markReplicationPending } from '../replication/status';
import type { FeedEventName } from '../feed/events';
import { Readable } from 'node:stream';
import { inlineMax, loadChunks, loadInlineBody, stageChunkList, stageInlineBody, toMeta, type ObjectRecord, type PositionedChunk } from '../meta/records';
import {
  MAX_OBJECT_SIZE,
  validateContentLength,
  validateObjectKey,
  validateStorageClass,
  validateUserMetadata,
  validateWebsiteRedirectLocation,
} from './validation';
import type {
  BodyInput,
  ChunkRef,
  ContentHeaders,
  CopyObjectOptions,
  DeleteObjectResult,
  DeleteObjectsItem,
  DeleteObjectsResultItem,
  GetObjectOptions,
  GetObjectResult,
  ObjectMeta,
  PutObjectOptions,
  StorageClass,
} from '../types';

const CONTENT_HEADER_FIELDS: readonly (keyof ContentHeaders)[] = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
  'expires',
  'websiteRedirectLocation',
];

/** The stored Content-* headers of a PUT / create / copy: the ones given, as strings; none → undefined. */
export function pickHeaders(src: ContentHeaders | undefined): ContentHeaders | undefined {
  if (!src) return undefined;
  const out: ContentHeaders = {};
  for (const f of CONTENT_HEADER_FIELDS) if (src[f] !== undefined && src[f] !== null) out[f] = String(src[f]);
  return Object.keys(out).length ? out : undefined;
}

function cleanMetadata(m: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k.toLowerCase()] = String(v);
  return Object.keys(out).length ? out : undefined;
}

const storageClassField = (sc: StorageClass | undefined): StorageClass | undefined => (sc && sc !== 'STANDARD' ? sc : undefined);

const target = (r: ObjectRecord): ConditionTarget => ({ etag: r.etag, lastModified: new Date(r.lastModified) });

/** The latest version of `key` (possibly a delete marker), as stored in O/. */
export async function readRecord(ctx: Ctx, bucketId: string, key: string, snapshot?: Snapshot): Promise<ObjectRecord | undefined> {
  return readLatest(ctx, bucketId, key, snapshot);
}

/** The latest record, or None when it is absent or a delete marker (what conditional writes see). */
const live = (rec: ObjectRecord | undefined): ObjectRecord | undefined => (rec && !rec.deleteMarker ? rec : undefined);

/**
 * The version a read addresses: the latest (NoSuchKey when absent or a delete marker, with
 * x-amz-delete-marker) or the given one (NoSuchVersion; 405 MethodNotAllowed for a marker).
 */
export async function requireVersion(
  ctx: Ctx,
  bucketId: string,
  key: string,
  versionId: string | undefined,
  snapshot?: Snapshot,
  method = 'GET',
): Promise<ObjectRecord> {
  if (versionId === undefined) {
    const rec = await readLatest(ctx, bucketId, key, snapshot);
    if (!rec) throw noSuchKey(key);
    if (rec.deleteMarker) {
      throw noSuchKey(key, { deleteMarker: true, versionId: rec.versionId });
    }
    return rec;
  }
  validateVersionId(versionId);
  const loc = await findVersion(ctx, bucketId, key, versionId, snapshot);
  if (!loc) throw noSuchVersion(key, versionId);
  if (loc.rec.deleteMarker) {
    throw methodNotAllowed(method, 'DeleteMarker', { deleteMarker: true, versionId, lastModified: new Date(loc.rec.lastModified), allow: ['DELETE'] });
  }
  return loc.rec;
}

interface StoredBody {
  chunks: readonly ChunkRef[];
  inline?: Buffer;
}

/**
 * Stages replacing `old` (if any) by `rec` whose body is `body`: record, segments, refs, stats.
 * THE way a new current object is written: putObject, copyObject and completeMultipartUpload
 * (multipart/completeUpload.ts) all go through it.
 */
export async function stageReplace(
  ctx: Ctx,
  tx: Txn,
  bucketId: string,
  key: string,
  old: ObjectRecord | undefined,
  rec: ObjectRecord,
  body: StoredBody,
  event: FeedEventName = 'ObjectCreated:Put',
): Promise<void> {
  // Versioning decides rec's version id and whether `old` is kept (noncurrent) or released.
  await stageRetire(ctx, tx, bucketId, key, old, rec);
  await markReplicationPending(ctx, tx, bucketId, key, rec);
  stageChunkList(tx, rec, body.chunks);
  delete rec.inline;
  if (body.inline) stageInlineBody(tx, rec, body.inline);
  tx.ref(body.chunks, 1);
  tx.put(keys.objectKey(bucketId, key), rec);
  tx.bucketStats(bucketId, 1, rec.size, rec.inline ? rec.size : 0);
  stageObjectEvent(ctx, tx, event, bucketId, key, rec);
}

export async function putObject(ctx: Ctx, bucket: string, key: string, body: BodyInput, opts: PutObjectOptions): Promise<ObjectMeta> {
  validateObjectKey(key);
  validateUserMetadata(opts.userMetadata);
  validateStorageClass(opts.storageClass);
  validateContentLength(opts.contentLength);
  validateWebsiteRedirectLocation(opts.websiteRedirectLocation);
  if (opts.tags) validateTags(opts.tags, 'object');
  const b = await requireBucket(ctx, bucket);
  checkLockSettings(b, opts.lock);
  if (opts.conditions) {
    // Fail fast before reading the body; re-checked atomically at commit.
    const cur = live(await readRecord(ctx, b.id, key));
    evaluateWriteConditions(cur && target(cur), opts.conditions, key);
  }

  const placement = ctx.placements.forClass(opts.storageClass);
  const store = ctx.placements.store(placement);
  const data = await chunkBody(body, {
    chunkSize: ctx.options.chunkSize,
    store,
    contentLength: opts.contentLength,
    maxSize: MAX_OBJECT_SIZE,
    checksumAlgorithm: opts.checksumAlgorithm,
    inlineMax: inlineMax(ctx.options.chunkSize),
    discard: (hashes) => discardUnreferenced(ctx, placement, hashes),
    transferBody: opts.transferBody,
  });
  if (placement !== undefined) for (const c of data.chunks) c.placement = placement;
  let committed = false;
  try {
    if (opts.verify) await opts.verify(data.digests);
    const meta = await ctx.committer.run(async (tx) => {
      await recheckBucket(ctx, bucket, b.id);
      const old = await readRecord(ctx, b.id, key);
      const cur = live(old);
      evaluateWriteConditions(cur && target(cur), opts.conditions, key);
      const d = data.digests;
      const rec: ObjectRecord = {
        size: d.size,
        etag: d.md5.toString('hex'),
        lastModified: tx.now,
        owner: opts.owner,
        versionId: 'null',
      };
      const sc = storageClassField(opts.storageClass);
      if (sc) rec.storageClass = sc;
      const um = cleanMetadata(opts.userMetadata);
      if (um) rec.userMetadata = um;
      const headers = pickHeaders(opts);
      if (headers) rec.headers = headers;
      if (d.checksum) rec.checksum = { algorithm: d.checksum.algorithm, value: d.checksum.value.toString('base64'), type: 'FULL_OBJECT' };
      if (opts.tags?.length) rec.tags = toStoredTags(opts.tags);
      applyLock(b, rec, opts.lock, tx.now);
      if (opts.acl) rec.acl = opts.acl;
      await stageReplace(ctx, tx, b.id, key, old, rec, data, opts.feedEvent);
      return toMeta(bucket, key, rec);
    });
    committed = true;
    return meta;
  } finally {
    store.pins.unpinAll(data.pinned);
    if (!committed) await discardUnreferenced(ctx, placement, data.pinned);
  }
}

function covers(chunks: PositionedChunk[], want: { start: number; end: number }): boolean {
  let pos = want.start;
  for (const c of chunks) {
    if (c.offset > pos) return false;
    pos = Math.max(pos, c.offset + c.size);
  }
  return pos > want.end;
}

export async function headObject(
  ctx: Ctx,
  bucket: string,
  key: string,
  opts: GetObjectOptions = {},
): Promise<{ meta: ObjectMeta; range?: { start: number; end: number } }> {
  validateObjectKey(key);
  const b = await requireBucket(ctx, bucket);
  const rec = await requireVersion(ctx, b.id, key, opts.versionId, undefined, 'HEAD');
  evaluateReadConditions(target(rec), opts.conditions);
  const meta = toMeta(bucket, key, rec);
  return opts.range ? { meta, range: resolveRange(opts.range, rec.size) } : { meta };
}

export async function getObject(ctx: Ctx, bucket: string, key: string, opts: GetObjectOptions = {}): Promise<GetObjectResult> {
  validateObjectKey(key);
  const b = await requireBucket(ctx, bucket);
  for (let attempt = 0; ; attempt++) {
    // The lease's sequence is taken BEFORE the record is read: see gc.ts for why that's enough.
    const release = ctx.leases.acquire(ctx.committer.seq);
    const snapshot = ctx.db.snapshot();
    let handedOff = false;
    try {
      const rec = await requireVersion(ctx, b.id, key, opts.versionId, snapshot);
      evaluateReadConditions(target(rec), opts.conditions);
      const range = opts.range ? resolveRange(opts.range, rec.size) : undefined;
      const want = range ?? (rec.size > 0 ? { start: 0, end: rec.size - 1 } : undefined);
      if (rec.inline) {
        const data = await loadInlineBody(ctx.db, rec, snapshot);
        if (!data || data.length !== rec.size) {
          if (attempt < 5 && !snapshot) continue;
          throw internalError(`inline body of ${key} is missing`);
        }
        const bytes = want ? data.subarray(want.start, want.end + 1) : Buffer.alloc(0);
        const result: GetObjectResult = { meta: toMeta(bucket, key, rec), body: Readable.from(bytes.length ? [bytes] : [], { objectMode: false }), bytes };
        if (range) result.range = range;
        return result; // nothing on disk to protect: the lease is released in finally
      }
      const chunks = want ? await loadChunks(ctx.db, rec, range, snapshot) : [];
      if (want && !covers(chunks, want)) {
        // Only possible without snapshots: the record was replaced while we read its chunk list.
        if (attempt < 5) continue;
        throw internalError(`chunk list of ${key} is incomplete`);
      }
      const body = await openBodyStream(ctx.placements, chunks, want, release, opts.pooledBuffers ? ctx.options.chunkSize + 1 : 0);
      handedOff = true;
      const result: GetObjectResult = { meta: toMeta(bucket, key, rec), body };
      if (range) result.range = range;
      return result;
    } finally {
      await snapshot?.close();
      if (!handedOff) release();
    }
  }
}

export async function deleteObject(
  ctx: Ctx,
  bucket: string,
  key: string,
  opts: { versionId?: string; owner?: string; bypassGovernance?: boolean } = {},
): Promise<DeleteObjectResult> {
  validateObjectKey(key);
  if (opts.versionId !== undefined) validateVersionId(opts.versionId);
  const b = await requireBucket(ctx, bucket);
  return ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    if (opts.versionId === undefined) return stageDeleteLatest(ctx, tx, b.id, key, opts.owner ?? b.owner);
    // Deleting a version that isn't there succeeds, as in S3.
    const removed = await stageDeleteVersion(ctx, tx, b.id, key, opts.versionId, opts.bypassGovernance);
    return removed?.deleteMarker ? { versionId: opts.versionId, deleteMarker: true } : { versionId: opts.versionId };
  });
}

/**
 * Multi-object delete: items are independent (as in S3). Items for distinct keys share one batch;
 * a key repeated in the request starts a new batch so each item sees the previous one's effect.
 */
export async function deleteObjects(
  ctx: Ctx,
  bucket: string,
  items: DeleteObjectsItem[],
  opts: { owner?: string; bypassGovernance?: boolean } = {},
): Promise<DeleteObjectsResultItem[]> {
  const b = await requireBucket(ctx, bucket);
  const results: DeleteObjectsResultItem[] = [];
  let start = 0;
  while (start < items.length) {
    start = await ctx.committer.run(async (tx) => {
      await recheckBucket(ctx, bucket, b.id);
      const keysInBatch = new Set<string>();
      let i = start;
      for (; i < items.length; i++) {
        const item = items[i];
        if (keysInBatch.has(item.key)) break;
        keysInBatch.add(item.key);
        const res: DeleteObjectsResultItem = { key: item.key };
        if (item.versionId !== undefined) res.versionId = item.versionId;
        try {
          validateObjectKey(item.key);
          if (item.versionId === undefined) {
            const r = await stageDeleteLatest(ctx, tx, b.id, item.key, opts.owner ?? b.owner);
            if (r.deleteMarker) {
              res.deleteMarker = true;
              res.deleteMarkerVersionId = r.versionId;
            }
          } else {
            validateVersionId(item.versionId);
            const removed = await stageDeleteVersion(ctx, tx, b.id, item.key, item.versionId, opts.bypassGovernance);
            if (removed?.deleteMarker) {
              res.deleteMarker = true;
              res.deleteMarkerVersionId = item.versionId;
            }
          }
        } catch (e) {
          if (!(e instanceof S3Error)) throw e;
          res.error = { code: e.code, message: e.message };
        }
        results.push(res);
      }
      return i;
    });
  }
  return results;
}

export async function copyObject(ctx: Ctx, srcBucket: string, srcKey: string, dstBucket: string, dstKey: string, opts: CopyObjectOptions): Promise<ObjectMeta> {
  validateObjectKey(srcKey);
  validateObjectKey(dstKey);
  const directive = opts.metadataDirective ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', String(directive));
  }
  if (directive === 'REPLACE') validateUserMetadata(opts.userMetadata);
  validateStorageClass(opts.storageClass);
  validateWebsiteRedirectLocation(opts.websiteRedirectLocation);
  if (directive === 'REPLACE') validateWebsiteRedirectLocation(opts.contentHeaders?.websiteRedirectLocation);
  const tagDirective = opts.taggingDirective ?? 'COPY';
  if (tagDirective !== 'COPY' && tagDirective !== 'REPLACE') {
    throw invalidArgument('Unknown tagging directive.', 'x-amz-tagging-directive', String(tagDirective));
  }
  if (tagDirective === 'REPLACE' && opts.tags) validateTags(opts.tags, 'object');
  if (opts.srcVersionId !== undefined) validateVersionId(opts.srcVersionId);
  const sb = await requireBucket(ctx, srcBucket);
  const db = await requireBucket(ctx, dstBucket);
  checkLockSettings(db, opts.lock);

  // The destination class's placement; chunks elsewhere are copied there first (outside the
  // commit lock, under a read lease), then the commit checks the source is still that version.
  const placement = ctx.placements.forClass(opts.storageClass);
  let moved: { from: ObjectRecord; chunks: ChunkRef[]; pinned: string[] } | undefined;
  let release: (() => void) | undefined;
  let committed = false;
  // Chunks copied for an attempt that did not commit them go at once (committed ones have records).
  const discard = (hashes: string[]) => discardUnreferenced(ctx, placement, hashes);
  try {
    for (;;) {
      release?.();
      release = ctx.leases.acquire(ctx.committer.seq);
      const result = await copyCommit(moved);
      if (!('relocate' in result)) {
        committed = true;
        return result.meta;
      }
      if (moved) {
        ctx.placements.store(placement).pins.unpinAll(moved.pinned);
        await discard(moved.pinned);
      }
      moved = undefined;
      const r = await relocateChunks(ctx.placements, result.chunks, placement, discard);
      moved = { from: result.relocate, chunks: r.chunks, pinned: r.pinned };
    }
  } finally {
    if (moved) {
      ctx.placements.store(placement).pins.unpinAll(moved.pinned);
      if (!committed) await discard(moved.pinned);
    }
    release?.();
  }

  function copyCommit(pre: typeof moved): Promise<{ meta: ObjectMeta } | { relocate: ObjectRecord; chunks: ChunkRef[] }> {
    return ctx.committer.run(async (tx) => {
      await recheckBucket(ctx, srcBucket, sb.id);
      await recheckBucket(ctx, dstBucket, db.id);
      const src = await requireVersion(ctx, sb.id, srcKey, opts.srcVersionId).catch((e: unknown) => {
        if (e instanceof S3Error && e.code === 'MethodNotAllowed') {
          throw invalidRequest('The source of a copy request may not specifically refer to a delete marker by version id.');
        }
        throw e;
      });
      evaluateCopySourceConditions(target(src), opts.sourceConditions);
      if (src.size > MAX_OBJECT_SIZE) {
        throw invalidRequest(`The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_OBJECT_SIZE}`);
      }
      const latest = await readRecord(ctx, db.id, dstKey);
      // Copying an older version onto its own key is the usual "restore"; only latest-onto-itself needs a change.
      const self = sb.id === db.id && srcKey === dstKey && latest?.versionId === src.versionId;
      const srcClass = src.storageClass ?? 'STANDARD';
      if (
        self &&
        directive === 'COPY' &&
        (opts.storageClass === undefined || opts.storageClass === srcClass) &&
        opts.websiteRedirectLocation === undefined &&
        (opts.checksumAlgorithm === undefined || opts.checksumAlgorithm === src.checksum?.algorithm)
      ) {
        throw invalidRequest(
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        );
      }
      const old = latest;
      const cur = live(old);
      evaluateWriteConditions(cur && target(cur), opts.conditions, dstKey);

      const rec: ObjectRecord = { size: src.size, etag: src.etag, lastModified: tx.now, owner: opts.owner, versionId: 'null' };
      const sc = storageClassField(opts.storageClass);
      if (sc) rec.storageClass = sc;
      const um = directive === 'COPY' ? src.userMetadata : cleanMetadata(opts.userMetadata);
      if (um) rec.userMetadata = { ...um };
      const headers: ContentHeaders = { ...(directive === 'COPY' ? src.headers : pickHeaders(opts.contentHeaders)) };
      // The redirect is the copy's own (S3: never copied from the source, whatever the directive).
      if (directive === 'COPY') delete headers.websiteRedirectLocation;
      if (opts.websiteRedirectLocation !== undefined) headers.websiteRedirectLocation = opts.websiteRedirectLocation;
      if (Object.keys(headers).length) rec.headers = headers;
      // Same bytes, so the source checksum still holds; another algorithm would need a re-read.
      if (src.checksum && (opts.checksumAlgorithm === undefined || opts.checksumAlgorithm === src.checksum.algorithm)) rec.checksum = { ...src.checksum };
      if (src.partSizes) rec.partSizes = [...src.partSizes];
      if (src.partChecksums && rec.checksum) rec.partChecksums = [...src.partChecksums];
      const tags = tagDirective === 'COPY' ? src.tags : opts.tags && toStoredTags(opts.tags);
      if (tags?.length) rec.tags = tags.map(([k, v]) => [k, v]);
      applyLock(db, rec, opts.lock, tx.now);
      if (opts.acl) rec.acl = opts.acl; // a copy never inherits the source's ACL (S3)
      let chunks: ChunkRef[] = await loadChunks(ctx.db, src);
      if (chunks.length > 0 && src.placement !== placement) {
        // Relocated chunks fit only the exact source record they were read from.
        if (!pre || !sameBody(pre.from, src)) return { relocate: src, chunks };
        chunks = pre.chunks;
      }
      const inline = await loadInlineBody(ctx.db, src);
      if (src.inline && !inline) throw internalError(`inline body of ${srcKey} is missing`);
      await stageReplace(ctx, tx, db.id, dstKey, old, rec, { chunks, inline }, 'ObjectCreated:Copy');
      const meta = toMeta(dstBucket, dstKey, rec);
      meta.sourceVersionId = src.versionId;
      return { meta };
    });
  }
}

/** The same stored body (same version, same chunk list). */
function sameBody(a: ObjectRecord, b: ObjectRecord): boolean {
  return (
    a.versionId === b.versionId &&
    a.lastModified === b.lastModified &&
    a.etag === b.etag &&
    a.chunks === b.chunks &&
    a.dataId === b.dataId &&
    a.placement === b.placement
  );
}
