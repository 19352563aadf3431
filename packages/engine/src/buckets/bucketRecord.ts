/**
 * Reading and updating bucket records (meta/bucketCache.ts) for the operation modules: every
 * object operation starts with requireBucket and rechecks the bucket under the commit lock.
 * Below every operation module, so none of them needs buckets.ts (which drops uploads on delete).
 */

import { noSuchBucket } from '../errors';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import type { BucketRecord } from '../meta/bucketCache';
import type { BucketInfo } from '../types';

export type { BucketRecord } from '../meta/bucketCache';

export function toBucketInfo(name: string, r: BucketRecord): BucketInfo {
  const info: BucketInfo = { name, id: r.id, owner: r.owner, createdAt: new Date(r.createdAt), region: r.region };
  if (r.versioning) info.versioning = r.versioning;
  if (r.objectLock) info.objectLock = r.objectLock;
  return info;
}

export async function findBucket(ctx: Ctx, name: string): Promise<BucketRecord | undefined> {
  if (typeof name !== 'string' || name.length === 0) return undefined;
  return ctx.bucketCache.load(ctx.db, name);
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

/** Read-modify-write of a bucket record under the commit lock (keeps the cache exact). */
export function updateBucket(ctx: Ctx, name: string, fn: (rec: BucketRecord) => BucketRecord): Promise<void> {
  return ctx.committer.run(async (tx) => {
    const cur = await requireBucket(ctx, name);
    const next = fn({ ...cur });
    tx.put(keys.bucketKey(name), next);
    tx.afterCommit(() => ctx.bucketCache.changed(name, next));
  });
}

/** The bucket with this internal id (cache first; a scan of B/ otherwise). */
export async function bucketById(ctx: Ctx, bucketId: string): Promise<BucketRecord | undefined> {
  const cached = ctx.bucketCache.byId(bucketId);
  if (cached) return cached;
  // Shared metadata: nothing cached, but the name is known (the operation loaded the bucket).
  const name = ctx.bucketCache.nameOf(bucketId);
  const byName = name === undefined ? undefined : await ctx.db.getJson<BucketRecord>(keys.bucketKey(name));
  if (byName?.id === bucketId) return byName;
  for (const [, v] of await ctx.db.all(keys.bucketsRange())) {
    const b = JSON.parse(v.toString('utf8')) as BucketRecord;
    if (b.id === bucketId) return b;
  }
  return undefined;
}
