/**
 * What the lifecycle worker asks of the store (over EngineApi in-process, or the server's socket
 * when it runs as its own process: workers/rpc.ts). Everything here is JSON-shaped.
 *
 * - `listLifecycleBuckets`: buckets that have a configuration (the worker scans only those).
 * - `lifecycleScan`: the next keys of a bucket after a cursor, each with every version (newest
 *   first) and when each became noncurrent; bounded by `limit` records, so memory stays bounded
 *   however big the bucket is.
 * - `lifecycleUploads`: multipart uploads of a bucket after a cursor.
 * - `lifecycleApply`: ONE action, conditional on the version still being what the scan saw
 *   (same version id and lastModified, or the upload still existing). Applied actions are
 *   lifecycle events in the change feed (LifecycleExpiration:*, LifecycleTransition).
 *   Repeating an action is a no-op ("skipped"), which is what makes a killed worker's rerun
 *   invisible.
 */
import { withRequestInfo, type Ctx } from '../context';
import * as keys from '../meta/keys';
import { S3Error } from '../errors';
import { recheckBucket, requireBucket } from '../buckets/bucketRecord';
import { decodeRecord, loadChunks, stageChunkList, stageDropChunkList, type ObjectRecord } from '../meta/records';
import { findVersion, readLatest, stageDeleteLatest, stageDeleteVersion } from '../versions/versions';
import { stageDropUpload } from '../multipart/uploadRecords';
import { relocateChunks } from '../chunks/placement';
import { stageObjectEvent } from '../feed/emit';
import type { StorageClass, VersioningStatus } from '../types';
import type { WithLifecycle } from './config';
import type { LifecycleRule } from './rules';

export const LIFECYCLE_REQUESTER = 'cairn:lifecycle';

export interface LifecycleBucket {
  name: string;
  id: string;
  owner: string;
  generation: number;
  versioning?: VersioningStatus;
  rules: LifecycleRule[];
}

export interface ScannedVersion {
  versionId: string;
  deleteMarker?: true;
  size: number;
  etag: string;
  lastModified: number;
  storageClass: StorageClass;
  tags?: [string, string][];
  /** When it stopped being the latest version (its successor's lastModified); absent for the latest. */
  noncurrentSince?: number;
}

export interface ScannedKey {
  key: string;
  /** Newest first; [0] is the latest (O/) version. */
  versions: ScannedVersion[];
}

export interface ScanPage {
  keys: ScannedKey[];
  /** Pass as `after` to continue; absent when the bucket is done. */
  next?: string;
}

export interface ScannedUpload {
  key: string;
  uploadId: string;
  initiated: number;
}

export type LifecycleAction =
  | { kind: 'expireCurrent'; bucket: string; key: string; versionId: string; lastModified: number }
  | { kind: 'deleteVersion'; bucket: string; key: string; versionId: string; lastModified: number; onlyIfSoleMarker?: boolean }
  | { kind: 'abortUpload'; bucket: string; key: string; uploadId: string }
  | { kind: 'transition'; bucket: string; key: string; versionId: string; lastModified: number; storageClass: StorageClass };

export interface ApplyResult {
  applied: boolean;
  /** Why not (the version changed, is locked, ...). */
  reason?: string;
}

export async function listLifecycleBuckets(ctx: Ctx): Promise<LifecycleBucket[]> {
  const out: LifecycleBucket[] = [];
  for (const [k, v] of await ctx.db.all(keys.bucketsRange())) {
    const b = JSON.parse(v.toString('utf8')) as WithLifecycle;
    if (!b.lifecycle?.rules.length) continue;
    const e: LifecycleBucket = { name: keys.decodeBucketKey(k), id: b.id, owner: b.owner, generation: b.lifecycleGeneration ?? 0, rules: b.lifecycle.rules };
    if (b.versioning) e.versioning = b.versioning;
    out.push(e);
  }
  return out;
}

function scanned(r: ObjectRecord, noncurrentSince?: number): ScannedVersion {
  const v: ScannedVersion = { versionId: r.versionId, size: r.size, etag: r.etag, lastModified: r.lastModified, storageClass: r.storageClass ?? 'STANDARD' };
  if (r.deleteMarker) v.deleteMarker = true;
  if (r.tags?.length) v.tags = r.tags;
  if (noncurrentSince !== undefined) v.noncurrentSince = noncurrentSince;
  return v;
}

export async function lifecycleScan(ctx: Ctx, bucket: string, after: string | undefined, limit = 1000): Promise<ScanPage> {
  const b = await requireBucket(ctx, bucket);
  const range = keys.objectsRange(b.id);
  const prefixLength = keys.objectPrefix(b.id).length;
  const snapshot = ctx.db.snapshot();
  const cur = ctx.db.cursor(after == null ? { ...range, snapshot } : { gt: keys.objectKey(b.id, after), lt: range.lt, snapshot });
  const page: ScanPage = { keys: [] };
  let records = 0;
  try {
    for (let e = await cur.next(); e; e = await cur.next()) {
      const key = keys.decodeObjectKey(e[0], prefixLength);
      const latest = decodeRecord(e[1]);
      const versions = [scanned(latest)];
      if (b.versioning) {
        let successor = latest.lastModified;
        for (const [, raw] of await ctx.db.all({ ...keys.versionsRange(b.id, key), snapshot })) {
          const r = decodeRecord(raw);
          versions.push(scanned(r, successor));
          successor = r.lastModified;
        }
      }
      page.keys.push({ key, versions });
      records += versions.length;
      if (records >= limit) {
        page.next = key;
        break;
      }
    }
  } finally {
    await cur.close();
    await snapshot?.close();
  }
  return page;
}

export async function lifecycleUploads(
  ctx: Ctx,
  bucket: string,
  after: { key: string; uploadId: string } | undefined,
  limit = 1000,
): Promise<{ uploads: ScannedUpload[]; next?: { key: string; uploadId: string } }> {
  const b = await requireBucket(ctx, bucket);
  const range = keys.uploadsRange(b.id);
  const prefixLength = keys.uploadsPrefix(b.id).length;
  const rows = await ctx.db.all(after ? { gt: keys.uploadKey(b.id, after.key, after.uploadId), lt: range.lt, limit } : { ...range, limit });
  const uploads = rows.map(([k, v]) => ({
    ...keys.decodeUploadKey(k, prefixLength),
    initiated: (JSON.parse(v.toString('utf8')) as { initiated: number }).initiated,
  }));
  const last = uploads[uploads.length - 1];
  return rows.length === limit && last ? { uploads, next: { key: last.key, uploadId: last.uploadId } } : { uploads };
}

const same = (r: ObjectRecord | undefined, versionId: string, lastModified: number): boolean =>
  !!r && r.versionId === versionId && r.lastModified === lastModified;

export function lifecycleApply(ctx: Ctx, a: LifecycleAction): Promise<ApplyResult> {
  return apply(withRequestInfo(ctx, { requester: LIFECYCLE_REQUESTER }), a);
}

async function apply(ctx: Ctx, a: LifecycleAction): Promise<ApplyResult> {
  const b = await requireBucket(ctx, a.bucket);
  if (a.kind === 'transition') return transition(ctx, a, b.id);
  return ctx.committer.run(async (tx): Promise<ApplyResult> => {
    tx.source = 'lifecycle';
    await recheckBucket(ctx, a.bucket, b.id);
    if (a.kind === 'expireCurrent') {
      const latest = await readLatest(ctx, b.id, a.key);
      if (!latest || latest.deleteMarker || !same(latest, a.versionId, a.lastModified)) return { applied: false, reason: 'changed' };
      await stageDeleteLatest(ctx, tx, b.id, a.key, b.owner);
      return { applied: true };
    }
    if (a.kind === 'deleteVersion') {
      const loc = await findVersion(ctx, b.id, a.key, a.versionId);
      if (!loc || !same(loc.rec, a.versionId, a.lastModified)) return { applied: false, reason: 'changed' };
      if (a.onlyIfSoleMarker) {
        const older = await ctx.db.all({ ...keys.versionsRange(b.id, a.key), limit: 1, values: false });
        if (!loc.latest || !loc.rec.deleteMarker || older.length) return { applied: false, reason: 'changed' };
      } else if (loc.latest) return { applied: false, reason: 'changed' }; // only noncurrent versions
      try {
        await stageDeleteVersion(ctx, tx, b.id, a.key, a.versionId);
      } catch (e) {
        if (e instanceof S3Error && e.code === 'AccessDenied') return { applied: false, reason: 'locked' };
        throw e;
      }
      return { applied: true };
    }
    const u = await ctx.db.get(keys.uploadKey(b.id, a.key, a.uploadId));
    if (!u) return { applied: false, reason: 'gone' };
    await stageDropUpload(ctx, tx, b.id, a.key, a.uploadId);
    stageObjectEvent(ctx, tx, 'MultipartUpload:Abort', b.id, a.key, undefined, { uploadId: a.uploadId });
    return { applied: true };
  });
}

/** Moves a version's chunks to its new class's placement (copied outside the commit lock, as CopyObject does). */
async function transition(ctx: Ctx, a: Extract<LifecycleAction, { kind: 'transition' }>, bucketId: string): Promise<ApplyResult> {
  const placement = ctx.placements.forClass(a.storageClass);
  const release = ctx.leases.acquire(ctx.committer.seq);
  let moved: { chunks: import('../types').ChunkRef[]; pinned: string[] } | undefined;
  try {
    const loc = await findVersion(ctx, bucketId, a.key, a.versionId);
    if (!loc || loc.rec.deleteMarker || !same(loc.rec, a.versionId, a.lastModified)) return { applied: false, reason: 'changed' };
    if ((loc.rec.storageClass ?? 'STANDARD') === a.storageClass) return { applied: false, reason: 'done' };
    const seen = loc.rec;
    if (!seen.inline && seen.placement !== placement) moved = await relocateChunks(ctx.placements, await loadChunks(ctx.db, seen), placement);
    return await ctx.committer.run(async (tx): Promise<ApplyResult> => {
      tx.source = 'lifecycle';
      await recheckBucket(ctx, a.bucket, bucketId);
      const now = await findVersion(ctx, bucketId, a.key, a.versionId);
      const r = now?.rec;
      if (
        !now ||
        !r ||
        r.lastModified !== seen.lastModified ||
        r.chunks !== seen.chunks ||
        r.dataId !== seen.dataId ||
        r.placement !== seen.placement ||
        r.inline !== seen.inline
      ) {
        return { applied: false, reason: 'changed' };
      }
      const next: ObjectRecord = { ...r, storageClass: a.storageClass };
      if (moved) {
        const old = await loadChunks(ctx.db, r);
        await stageDropChunkList(ctx.db, tx, r);
        stageChunkList(tx, next, moved.chunks);
        tx.ref(moved.chunks, 1);
        tx.ref(old, -1);
      }
      tx.put(now.dbKey, next);
      stageObjectEvent(ctx, tx, 'LifecycleTransition', bucketId, a.key, next);
      return { applied: true };
    });
  } finally {
    if (moved) ctx.placements.store(placement).pins.unpinAll(moved.pinned);
    release();
  }
}
