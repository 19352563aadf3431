/**
 * Buckets: B/<name> holds the record, I/<owner>\0<name> indexes them per owner for ListBuckets,
 * T/<id> holds usage counters. Ids come from a counter and are never reused, so objects of a
 * deleted bucket (if any were ever left behind) can't reappear in a re-created one.
 */
import { S3Error, invalidArgument } from '../errors';
import type { Ctx } from '../context';
import { EMPTY } from '../meta/db';
import * as keys from '../meta/keys';
import { scanRange, takePage } from '../meta/rangeScan';
import { stageDropAllUploads } from '../multipart/uploadRecords';
import { validateBucketName } from './bucketName';
import { stageInitialAccess } from './bucketAccess';
import { findBucket, requireBucket, toBucketInfo, updateBucket } from './bucketRecord';
import type { BucketRecord } from '../meta/bucketCache';
import type { BucketInfo, ListBucketsOptions, ListBucketsResult, VersioningStatus, CreateBucketOptions } from '../types';

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
    return Promise.reject(invalidArgument('Bucket owner must be a user id'));
  }
  return ctx.committer.run(async (tx) => {
    const existing = await findBucket(ctx, name);
    if (existing) {
      if (existing.owner === opts.owner) {
        throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', {
          BucketName: name,
        });
      }
      throw new S3Error(
        'BucketAlreadyExists',
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
        { BucketName: name },
      );
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
    throw invalidArgument('max-buckets must be an integer between 1 and 10000', 'max-buckets', String(opts.maxBuckets));
  }
  const token = opts.continuationToken;
  const scan = scanRange(ctx.db, {
    base: keys.ownerIndexPrefix(owner),
    prefix: opts.prefix ?? '',
    resume: token ? { marker: token, seek: keys.justAfter(keys.ownerIndexKey(owner, token)), onlyFromPrefix: true } : undefined,
  });
  const page = await takePage(scan, max);
  const names = page.items.flatMap((item) => (item.kind === 'entry' ? [item.name] : []));
  const recs = await ctx.db.getMany(names.map(keys.bucketKey));
  const buckets: BucketInfo[] = [];
  names.forEach((n, i) => {
    const raw = recs[i];
    if (raw) buckets.push(toBucketInfo(n, JSON.parse(raw.toString('utf8')) as BucketRecord));
  });
  const result: ListBucketsResult = { buckets };
  if (page.isTruncated) result.continuationToken = names[names.length - 1];
  return result;
}

/** Unversioned → Enabled ⇄ Suspended; suspending a never-versioned bucket still records the state, as S3 does. */
export function putBucketVersioning(ctx: Ctx, name: string, status: VersioningStatus): Promise<void> {
  if (status !== 'Enabled' && status !== 'Suspended') {
    return Promise.reject(new S3Error('IllegalVersioningConfigurationException', 'The Versioning element must be specified'));
  }
  return updateBucket(ctx, name, (r) => {
    if (r.objectLock && status !== 'Enabled') {
      throw new S3Error('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.', {
        BucketName: name,
      });
    }
    // Replication (replication/config.ts) needs versioning to stay Enabled, as in S3.
    if ((r as { replication?: unknown }).replication && status !== 'Enabled') {
      throw new S3Error('InvalidBucketState', 'A replication configuration is present on this bucket, so the versioning state cannot be changed.', {
        BucketName: name,
      });
    }
    return { ...r, versioning: status };
  });
}
