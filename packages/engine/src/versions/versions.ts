/**
 * Object versioning on top of the key layout in keys.ts: O/ holds each key's latest version
 * (object or delete marker), V/<bucket>\0<key>\0<vtoken> its noncurrent versions newest first,
 * N/<bucket>\0<key> the vtoken of a noncurrent "null" version.
 *
 * Every function here only STAGES changes on a Txn (one batch per logical change, commit.ts);
 * chunk references move with the records: every version record (O/ or V/) holds one reference
 * per chunk entry, and only removing a version (or replacing a null version) releases them.
 * Usage counters count every non-marker version (that is what occupies the disk).
 */
import { randomBytes } from 'node:crypto';
import { invalidArgument, methodNotAllowed, noSuchKey, noSuchVersion } from '../errors';
import type { Txn } from '../meta/commit';
import type { Ctx } from '../context';
import type { Snapshot } from '../meta/db';
import * as keys from '../meta/keys';
import { decodeRecord, loadChunks, stageDropChunkList, type ObjectRecord } from '../meta/records';
import type { VersioningStatus } from '../types';
import { applyLock, assertDeletable } from '../lock/lockRules';
import { stageObjectEvent } from '../feed/emit';
import { markReplicationPending } from '../replication/pending';
import { bucketById } from '../buckets/bucketRecord';
export { bucketById } from '../buckets/bucketRecord';

const MAX64 = (1n << 64n) - 1n;
const COUNTER_BITS = 20n;
let lastMs = 0;
let counter = 0;

function token(ms: number, n: number): string {
  const v = (BigInt(ms) << COUNTER_BITS) | BigInt(n);
  return (MAX64 - v).toString(16).padStart(16, '0') + randomBytes(4).toString('hex');
}

/**
 * A new version token: strictly smaller (= newer in V/ order) than every token this process made
 * before, even within one millisecond; the random tail keeps tokens unique across processes.
 */
export function newVersionToken(now: number): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter >= 1 << 20) {
    lastMs++;
    counter = 0;
  }
  return token(lastMs, counter);
}

const VERSION_ID = /^[0-9a-f]{24}$/;

export function isValidVersionId(v: string): boolean {
  return v === 'null' || VERSION_ID.test(v);
}

/** S3 answers a malformed version id with 400 InvalidArgument (a well-formed unknown one: NoSuchVersion). */
export function validateVersionId(v: string): void {
  if (!isValidVersionId(v)) throw invalidArgument('Invalid version id specified', 'versionId', v);
}

/** The bucket's record by id (cached: every operation loaded its bucket before committing). */

export async function bucketVersioning(ctx: Ctx, bucketId: string): Promise<VersioningStatus | undefined> {
  return (await bucketById(ctx, bucketId))?.versioning;
}

/** Where a record sorts among its key's versions; legacy null versions get one from their mtime. */
export function sortToken(rec: ObjectRecord): string {
  if (rec.versionId !== 'null') return rec.versionId;
  if (!rec.vt) rec.vt = token(rec.lastModified, 0);
  return rec.vt;
}

export async function readLatest(ctx: Ctx, bucketId: string, key: string, snapshot?: Snapshot): Promise<ObjectRecord | undefined> {
  const raw = await ctx.db.get(keys.objectKey(bucketId, key), snapshot);
  return raw ? decodeRecord(raw) : undefined;
}

export interface LocatedVersion {
  rec: ObjectRecord;
  latest: boolean;
  /** The metadata key the record lives under. */
  dbKey: Buffer;
}

export async function findVersion(ctx: Ctx, bucketId: string, key: string, versionId: string, snapshot?: Snapshot): Promise<LocatedVersion | undefined> {
  const cur = await readLatest(ctx, bucketId, key, snapshot);
  if (!cur) return undefined;
  if (cur.versionId === versionId) return { rec: cur, latest: true, dbKey: keys.objectKey(bucketId, key) };
  let vt = versionId;
  if (versionId === 'null') {
    const t = await ctx.db.get(keys.nullVersionKey(bucketId, key), snapshot);
    if (!t) return undefined;
    vt = t.toString('utf8');
  } else if (!VERSION_ID.test(versionId)) return undefined;
  const dbKey = keys.versionKey(bucketId, key, vt);
  const raw = await ctx.db.get(dbKey, snapshot);
  if (!raw) return undefined;
  const rec = decodeRecord(raw);
  return rec.versionId === versionId ? { rec, latest: false, dbKey } : undefined;
}

/** Releases a version's body: chunk references, chunk-list segments / inline body, usage. */
export async function stageDropBody(ctx: Ctx, tx: Txn, bucketId: string, rec: ObjectRecord): Promise<void> {
  if (rec.deleteMarker) return;
  tx.ref(await loadChunks(ctx.db, rec), -1);
  await stageDropChunkList(ctx.db, tx, rec);
  tx.bucketStats(bucketId, -1, -rec.size, rec.inline ? -rec.size : 0);
}

/** Moves the (former) latest record into V/ (its body and references move with it). */
export function stageDemote(tx: Txn, bucketId: string, key: string, old: ObjectRecord): void {
  const vt = sortToken(old);
  tx.put(keys.versionKey(bucketId, key, vt), old);
  if (old.versionId === 'null') tx.put(keys.nullVersionKey(bucketId, key), Buffer.from(vt, 'utf8'));
}

/**
 * Makes room for `rec` as the new latest version of `key` and gives it its version id: Enabled →
 * a new id and `old` becomes noncurrent; Suspended / never versioned → "null", replacing (and
 * releasing) any existing null version. The caller then stages rec's body and puts it in O/.
 */
export async function stageRetire(ctx: Ctx, tx: Txn, bucketId: string, key: string, old: ObjectRecord | undefined, rec: ObjectRecord): Promise<void> {
  const bucket = await bucketById(ctx, bucketId);
  const state = bucket?.versioning;
  // The bucket's default retention (Object Lock) for versions written without their own.
  applyLock(bucket, rec, undefined, tx.now);
  if (state === 'Enabled') {
    rec.versionId = newVersionToken(tx.now);
    delete rec.vt;
  } else {
    rec.versionId = 'null';
    rec.vt = newVersionToken(tx.now);
  }
  if (old) {
    if (state === 'Enabled' || old.versionId !== 'null') stageDemote(tx, bucketId, key, old);
    else await stageDropBody(ctx, tx, bucketId, old);
  }
  if (state === 'Suspended' && old && old.versionId !== 'null') {
    const nk = keys.nullVersionKey(bucketId, key);
    const t = await ctx.db.get(nk);
    if (t) {
      const vk = keys.versionKey(bucketId, key, t.toString('utf8'));
      const raw = await ctx.db.get(vk);
      if (raw) await stageDropBody(ctx, tx, bucketId, decodeRecord(raw));
      tx.del(vk);
      tx.del(nk);
    }
  }
}

/** DELETE without a version id. */
export async function stageDeleteLatest(
  ctx: Ctx,
  tx: Txn,
  bucketId: string,
  key: string,
  owner: string,
): Promise<{ versionId?: string; deleteMarker?: boolean }> {
  const state = await bucketVersioning(ctx, bucketId);
  const cur = await readLatest(ctx, bucketId, key);
  if (!state) {
    if (cur) {
      await stageDropBody(ctx, tx, bucketId, cur);
      tx.del(keys.objectKey(bucketId, key));
      stageObjectEvent(ctx, tx, 'ObjectRemoved:Delete', bucketId, key, cur, { size: undefined, etag: undefined, storageClass: undefined });
    }
    return {};
  }
  const marker: ObjectRecord = { size: 0, etag: '', lastModified: tx.now, owner, versionId: 'null', deleteMarker: true };
  await stageRetire(ctx, tx, bucketId, key, cur, marker);
  await markReplicationPending(ctx, tx, bucketId, key, marker);
  tx.put(keys.objectKey(bucketId, key), marker);
  stageObjectEvent(ctx, tx, 'ObjectRemoved:DeleteMarkerCreated', bucketId, key, marker);
  return { versionId: marker.versionId, deleteMarker: true };
}

/** DELETE with a version id: removes it for good; removing the latest promotes the next newest. */
export async function stageDeleteVersion(
  ctx: Ctx,
  tx: Txn,
  bucketId: string,
  key: string,
  versionId: string,
  bypassGovernance = false,
): Promise<ObjectRecord | undefined> {
  const loc = await findVersion(ctx, bucketId, key, versionId);
  if (!loc) return undefined;
  assertDeletable(loc.rec, tx.now, bypassGovernance);
  await stageDropBody(ctx, tx, bucketId, loc.rec);
  stageObjectEvent(ctx, tx, 'ObjectRemoved:Delete', bucketId, key, loc.rec, { size: undefined, etag: undefined, storageClass: undefined });
  if (loc.latest) {
    const next = await ctx.db.all({ ...keys.versionsRange(bucketId, key), limit: 1 });
    if (next.length) {
      const [vk, raw] = next[0];
      tx.del(vk);
      if (decodeRecord(raw).versionId === 'null') tx.del(keys.nullVersionKey(bucketId, key));
      tx.put(keys.objectKey(bucketId, key), raw);
    } else tx.del(keys.objectKey(bucketId, key));
  } else {
    tx.del(loc.dbKey);
    if (versionId === 'null') tx.del(keys.nullVersionKey(bucketId, key));
  }
  return loc.rec;
}

/** The version an object-level subresource operation (tagging, retention, legal hold) acts on. */
export async function locate(ctx: Ctx, bucketId: string, key: string, versionId: string | undefined, method: string): Promise<LocatedVersion> {
  let loc: LocatedVersion | undefined;
  if (versionId === undefined) {
    const rec = await readLatest(ctx, bucketId, key);
    if (rec) loc = { rec, latest: true, dbKey: keys.objectKey(bucketId, key) };
    if (!loc || rec?.deleteMarker) throw noSuchKey(key);
  } else {
    loc = await findVersion(ctx, bucketId, key, versionId);
    if (!loc) throw noSuchVersion(key, versionId);
  }
  if (loc.rec.deleteMarker) {
    throw methodNotAllowed(method, 'DeleteMarker', { deleteMarker: true });
  }
  return loc;
}
