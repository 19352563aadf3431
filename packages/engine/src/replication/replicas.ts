/**
 * The two ends of zone replication inside the engine (the HTTP transfer is the server's):
 *
 * - `replicationSource`: what a replication worker sends for one version (its record's fields;
 *   the body is read with getObject(versionId)).
 * - `putReplica`: a peer's version stored here with ITS version id, ETag (multipart ones
 *   included: part sizes / checksums come as metadata, the bytes are chunked afresh), metadata,
 *   tags and Last-Modified. Version ids sort by time (versions.ts), so the replica goes to the
 *   position its id gives it: the latest (O/) when it is newer than the current latest, else
 *   among the noncurrent versions (V/). Both zones therefore order a key's versions the same
 *   way and converge on the same latest version. Idempotent: a version id already present is
 *   a no-op, so a resend after a crash is invisible.
 */
import { Readable } from 'node:stream';
import type { Ctx } from '../context';
import { S3Error } from '../errors';
import * as keys from '../meta/keys';
import { inlineMax, stageChunkList, stageInlineBody, type ObjectRecord } from '../meta/records';
import { recheckBucket, requireBucket } from '../buckets/bucketRecord';
import { findVersion, readLatest, sortToken, stageDemote } from '../versions/versions';
import { chunkBody } from '../chunks/chunker';
import { discardUnreferenced } from '../maintenance/gc';
import { stageObjectEvent } from '../feed/emit';
import { validateObjectKey } from '../objects/validation';
import type { BodyInput, ReplicaVersion, ReplicationSource } from '../types';
export type { ReplicaVersion, ReplicationSource } from '../types';

const VERSION_ID = /^[0-9a-f]{24}$/;
const MAX_REPLICA_SIZE = 5 * 1024 ** 4; // S3's object size limit (multipart objects included)

export async function replicationSource(ctx: Ctx, bucket: string, key: string, versionId: string): Promise<ReplicationSource | undefined> {
  const b = await requireBucket(ctx, bucket);
  const loc = await findVersion(ctx, b.id, key, versionId);
  if (!loc) return undefined;
  const r = loc.rec;
  const out: ReplicationSource = { versionId: r.versionId, size: r.size, etag: r.etag, lastModified: r.lastModified, owner: r.owner };
  if (r.deleteMarker) out.deleteMarker = true;
  if (r.storageClass) out.storageClass = r.storageClass;
  if (r.userMetadata) out.userMetadata = { ...r.userMetadata };
  if (r.headers) out.headers = { ...r.headers };
  if (r.tags) out.tags = r.tags.map(([k, v]) => [k, v]);
  if (r.checksum) out.checksum = { ...r.checksum };
  if (r.partSizes) out.partSizes = [...r.partSizes];
  if (r.partChecksums) out.partChecksums = [...r.partChecksums];
  if (r.replicationStatus) out.replicationStatus = r.replicationStatus;
  if (r.replicatedTo) out.replicatedTo = [...r.replicatedTo];
  return out;
}

function validateReplica(v: ReplicaVersion): void {
  const bad = (what: string) => new S3Error('InvalidArgument', `invalid replica ${what}`);
  if (typeof v.versionId !== 'string' || !VERSION_ID.test(v.versionId)) throw bad('version id');
  if (!Number.isFinite(v.lastModified) || v.lastModified <= 0) throw bad('last-modified');
  if (!v.deleteMarker) {
    if (!Number.isSafeInteger(v.size) || v.size < 0 || v.size > MAX_REPLICA_SIZE) throw bad('size');
    if (typeof v.etag !== 'string' || !/^[0-9a-f]{32}(-\d{1,5})?$/.test(v.etag)) throw bad('etag');
    if (
      v.partSizes &&
      (!Array.isArray(v.partSizes) || v.partSizes.some((n) => !Number.isSafeInteger(n) || n < 0) || v.partSizes.reduce((a, n) => a + n, 0) !== v.size)
    )
      throw bad('part sizes');
  }
}

/** Stores a peer's version (see the header). created: false when that version id was already here. */
export async function putReplica(
  ctx: Ctx,
  bucket: string,
  key: string,
  body: BodyInput | undefined,
  v: ReplicaVersion,
): Promise<{ created: boolean; versionId: string }> {
  validateObjectKey(key);
  validateReplica(v);
  const b = await requireBucket(ctx, bucket);
  if (b.versioning !== 'Enabled') throw new S3Error('InvalidRequest', 'Destination bucket must have versioning enabled.');
  if (await findVersion(ctx, b.id, key, v.versionId)) return { created: false, versionId: v.versionId };

  const placement = ctx.placements.forClass(v.storageClass);
  const store = ctx.placements.store(placement);
  const data = v.deleteMarker
    ? undefined
    : await chunkBody(body ?? Readable.from([]), {
        chunkSize: ctx.options.chunkSize,
        store,
        contentLength: v.size,
        maxSize: MAX_REPLICA_SIZE,
        inlineMax: inlineMax(ctx.options.chunkSize),
        discard: (hashes) => discardUnreferenced(ctx, placement, hashes),
      });
  if (data && placement !== undefined) for (const c of data.chunks) c.placement = placement;
  let committed = false;
  try {
    if (data) {
      // The bytes must be the source's: a single-part ETag is their MD5; a multipart one can't be recomputed here.
      if (data.digests.size !== v.size)
        throw new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      if (!v.etag.includes('-') && data.digests.md5.toString('hex') !== v.etag)
        throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    const created = await ctx.committer.run(async (tx) => {
      await recheckBucket(ctx, bucket, b.id);
      if (await findVersion(ctx, b.id, key, v.versionId)) return false;
      const rec: ObjectRecord = {
        size: v.deleteMarker ? 0 : v.size,
        etag: v.deleteMarker ? '' : v.etag,
        lastModified: v.lastModified,
        owner: b.owner,
        versionId: v.versionId,
        replicationStatus: 'REPLICA',
      };
      if (v.deleteMarker) rec.deleteMarker = true;
      else {
        if (v.storageClass && v.storageClass !== 'STANDARD') rec.storageClass = v.storageClass;
        if (v.userMetadata && Object.keys(v.userMetadata).length) rec.userMetadata = { ...v.userMetadata };
        if (v.headers && Object.keys(v.headers).length) rec.headers = { ...v.headers };
        if (v.checksum) rec.checksum = { ...v.checksum };
        if (v.partSizes) rec.partSizes = [...v.partSizes];
        if (v.partChecksums) rec.partChecksums = [...v.partChecksums];
        if (v.tags?.length) rec.tags = v.tags.map(([k, val]) => [k, val]);
        stageChunkList(tx, rec, data!.chunks);
        if (data!.inline) stageInlineBody(tx, rec, data!.inline);
        tx.ref(data!.chunks, 1);
        tx.bucketStats(b.id, 1, rec.size, rec.inline ? rec.size : 0);
      }
      const cur = await readLatest(ctx, b.id, key);
      // Smaller token = newer (versions.ts): the replica becomes the latest only if it is newer.
      if (!cur || v.versionId < sortToken(cur)) {
        if (cur) stageDemote(tx, b.id, key, cur);
        tx.put(keys.objectKey(b.id, key), rec);
      } else {
        tx.put(keys.versionKey(b.id, key, v.versionId), rec);
      }
      stageObjectEvent(ctx, tx, v.deleteMarker ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectCreated:Put', b.id, key, rec, { replica: true });
      return true;
    });
    committed = created;
    return { created, versionId: v.versionId };
  } finally {
    if (data) {
      store.pins.unpinAll(data.pinned);
      if (!committed) await discardUnreferenced(ctx, placement, data.pinned);
    }
  }
}
