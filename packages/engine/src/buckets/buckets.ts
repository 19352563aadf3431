/**
 * Buckets: B/<name> holds the record, I/<owner>\0<name> indexes them per owner for ListBuckets,
 * T/<id> holds usage counters. Ids come from a counter and are never reused, so objects of a
 * deleted bucket (if any were ever left behind) can't reappear in a re-created one.
 */
import { S3Error } from '../errors';
import type { Ctx } from '../context';
import { EMPTY } from '../meta/db';
import * as keys from '../meta/keys';
import { stageDropAllUploads } from '../multipart/multipart';
import { validateBucketName } from './bucketName';
import { stageInitialAccess } from './bucketAccess';
import type { BucketInfo, ListBucketsOptions, ListBucketsResult, VersioningStatus, CreateBucketOptions, ObjectLockConfiguration } from '../types';

export interface BucketRecord {
  id: string;
  owner: string;
  createdAt: number;
  region: string;
  versioning?: VersioningStatus;
  objectLock?: ObjectLockConfiguration;
  /** Bucket tags (tags.ts). */
  tags?: [string, string][];
}

/**
 * In-memory cache of bucket records (every object operation needs one). Only commits of this
 * process change B/, and they update the cache from an afterCommit hook (under the commit lock),
 * so it is exact for anything checked under that lock. A read-through load that raced with a
 * change is not cached (epoch check). ANY code writing B/ must call `changed` the same way.
 */
export class BucketCache {
  private readonly records = new Map<string, BucketRecord>();
  private readonly ids = new Map<string, BucketRecord>();
  /** bucket id → name (change-feed events name the bucket). */
  private readonly names = new Map<string, string>();
  private epoch = 0;

  /**
   * `shared`: other gateways change B/ too (PostgreSQL metadata), so records are never served
   * from memory: every load reads the database (under the commit lock that is exact). Only
   * id → name stays cached (ids are never reused and a bucket's name never changes).
   */
  constructor(private readonly shared = false) {}

  nameOf(id: string): string | undefined {
    return this.names.get(id);
  }

  /** A cached record by bucket id (every operation loads its bucket before committing). */
  byId(id: string): BucketRecord | undefined {
    return this.shared ? undefined : this.ids.get(id);
  }

  async load(ctx: Ctx, name: string): Promise<BucketRecord | undefined> {
    const hit = this.shared ? undefined : this.records.get(name);
    if (hit) return hit;
    const epoch = this.epoch;
    const rec = await ctx.db.getJson<BucketRecord>(keys.bucketKey(name));
    if (rec && epoch === this.epoch) {
      this.records.set(name, rec);
      this.ids.set(rec.id, rec);
      this.names.set(rec.id, name);
    }
    return rec;
  }

  changed(name: string, rec: BucketRecord | undefined): void {
    this.epoch++;
    const prev = this.records.get(name);
    if (prev) this.ids.delete(prev.id);
    if (rec) {
      this.records.set(name, rec);
      this.ids.set(rec.id, rec);
      this.names.set(rec.id, name);
    } else this.records.delete(name);
  }
}

const noSuchBucket = (name: string): S3Error => new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });

export function toBucketInfo(name: string, r: BucketRecord): BucketInfo {
  const info: BucketInfo = { name, id: r.id, owner: r.owner, createdAt: new Date(r.createdAt), region: r.region };
  if (r.versioning) info.versioning = r.versioning;
  if (r.objectLock) info.objectLock = r.objectLock;
  return info;
}

export async function findBucket(ctx: Ctx, name: string): Promise<BucketRecord | undefined> {
  if (typeof name !== 'string' || name.length === 0) return undefined;
  return ctx.bucketCache.load(ctx, name);
}

export async function requireBucket(ctx: Ctx, name: string): Promise<BucketRecord> {
  const b = await findBucket(ctx, name);
  if (!b) throw noSuchBucket(name);
  return b;
}

/** Under the commit lock: the bucket must still be the one the operation started with. */
export async function recheckBucket(ctx: Ctx, name: string, id: string): Promise<BucketRecord> {
  const b = await findBucket(ctx, name);
  if (!b || b.id !== id) throw noSuchBucket(name);
  return b;
}

export async function getBucket(ctx: Ctx, name: string): Promise<BucketInfo> {
  return toBucketInfo(name, await requireBucket(ctx, name));
}

export function createBucket(ctx: Ctx, name: string, opts: CreateBucketOptions): Promise<BucketInfo> {
  try {
    validateBucketName(name);
  } catch (e) {
    return Promise.reject(e);
  }
  if (typeof opts.owner !== 'string' || !opts.owner || opts.owner.includes('\u0000')) {
    return Promise.reject(new S3Error('InvalidArgument', 'Bucket owner must be a user id'));
  }
  return ctx.committer.run(async (tx) => {
    const existing = await findBucket(ctx, name);
    if (existing) {
      if (existing.owner === opts.owner) {
        throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: name });
      }
      throw new S3Error('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', { BucketName: name });
    }
    const seqKey = keys.settingKey(keys.BUCKET_SEQ_SETTING);
    const seq = (await ctx.db.getJson<{ next: number }>(seqKey)) ?? { next: 1 };
    const rec: BucketRecord = { id: seq.next.toString(36), owner: opts.owner, createdAt: tx.now, region: opts.region || ctx.options.region };
    stageInitialAccess(rec, opts); // bucketAccess.ts fields
    if (opts.objectLockEnabled) {
      // S3: a bucket created with Object Lock is versioned, and stays so.
      rec.objectLock = { enabled: true };
      rec.versioning = 'Enabled';
    }
    tx.put(seqKey, { next: seq.next + 1 });
    tx.put(keys.bucketKey(name), rec);
    tx.put(keys.ownerIndexKey(rec.owner, name), EMPTY);
    tx.put(keys.bucketStatsKey(rec.id), { objects: 0, bytes: 0 });
    tx.afterCommit(() => ctx.bucketCache.changed(name, rec));
    return toBucketInfo(name, rec);
  });
}

export function deleteBucket(ctx: Ctx, name: string): Promise<void> {
  return ctx.committer.run(async (tx) => {
    const b = await requireBucket(ctx, name);
    const any = await ctx.db.all({ ...keys.objectsRange(b.id), limit: 1, values: false });
    if (any.length > 0) throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: name });
    // S3 deletes a bucket whose only content is incomplete multipart uploads: they (and their chunk references) go too.
    await stageDropAllUploads(ctx, tx, b.id);
    tx.del(keys.bucketKey(name));
    tx.del(keys.ownerIndexKey(b.owner, name));
    tx.dropBucketStats(b.id);
    tx.afterCommit(() => ctx.bucketCache.changed(name, undefined));
  });
}

export async function listBuckets(ctx: Ctx, owner: string, opts: ListBucketsOptions = {}): Promise<ListBucketsResult> {
  const max = opts.maxBuckets ?? 10000;
  if (!Number.isInteger(max) || max < 1 || max > 10000) {
    throw new S3Error('InvalidArgument', 'max-buckets must be an integer between 1 and 10000', { ArgumentName: 'max-buckets', ArgumentValue: String(opts.maxBuckets) });
  }
  const base = keys.ownerIndexPrefix(owner);
  const prefix = opts.prefix ?? '';
  const from = Buffer.concat([base, Buffer.from(prefix, 'utf8')]);
  const lt = keys.prefixSuccessor(from)!;
  const range: { gte?: Buffer; gt?: Buffer; lt: Buffer } = { lt };
  const token = opts.continuationToken;
  if (token && Buffer.compare(Buffer.from(token, 'utf8'), Buffer.from(prefix, 'utf8')) >= 0) range.gt = keys.ownerIndexKey(owner, token);
  else range.gte = from;
  const entries = await ctx.db.all({ ...range, limit: max + 1, values: false });
  const names = entries.slice(0, max).map(([k]) => keys.decodeOwnerIndexKey(k, owner));
  const recs = await ctx.db.getMany(names.map(keys.bucketKey));
  const buckets: BucketInfo[] = [];
  names.forEach((n, i) => {
    const raw = recs[i];
    if (raw) buckets.push(toBucketInfo(n, JSON.parse(raw.toString('utf8')) as BucketRecord));
  });
  const result: ListBucketsResult = { buckets };
  if (entries.length > max) result.continuationToken = names[names.length - 1];
  return result;
}

/** Read-modify-write of a bucket record under the commit lock (keeps the cache exact). */
export function updateBucket(ctx: Ctx, name: string, fn: (rec: BucketRecord) => BucketRecord): Promise<void> {
  return ctx.committer.run(async (tx) => {
    const cur = await requireBucket(ctx, name);
    const next = fn({ ...cur });
    tx.put(keys.bucketKey(name), next);
    tx.afterCommit(() => ctx.bucketCache.changed(name, next));
  });
}

/** Unversioned → Enabled ⇄ Suspended; suspending a never-versioned bucket still records the state, as S3 does. */
export function putBucketVersioning(ctx: Ctx, name: string, status: VersioningStatus): Promise<void> {
  if (status !== 'Enabled' && status !== 'Suspended') {
    return Promise.reject(new S3Error('IllegalVersioningConfigurationException', 'The Versioning element must be specified'));
  }
  return updateBucket(ctx, name, (r) => {
    if (r.objectLock && status !== 'Enabled') {
      throw new S3Error('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.', { BucketName: name });
    }
    return { ...r, versioning: status };
  });
}
