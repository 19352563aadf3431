/**
 * A bucket's lifecycle configuration lives in its bucket record B/<name> (like CORS:
 * bucketSettings.ts), so the x-amz-expiration header costs no I/O. Every put or delete bumps
 * `lifecycleGeneration`, which the worker stamps its per-bucket scan cursor with: a changed
 * configuration restarts that bucket's scan.
 */
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { requireBucket, type BucketRecord } from '../buckets/bucketRecord';
import { validateLifecycleConfiguration, type LifecycleConfiguration } from './rules';

export interface LifecycleFields {
  lifecycle?: LifecycleConfiguration;
  /** Bumped by every put / delete of the configuration (never reset while the bucket lives). */
  lifecycleGeneration?: number;
}

export type WithLifecycle = BucketRecord & LifecycleFields;

/** undefined deletes the configuration. */
export async function putBucketLifecycle(ctx: Ctx, name: string, cfg: LifecycleConfiguration | undefined): Promise<void> {
  const valid = cfg === undefined ? undefined : validateLifecycleConfiguration(cfg);
  await ctx.committer.run(async (tx) => {
    const next: WithLifecycle = { ...(await requireBucket(ctx, name)) };
    if (!valid && !next.lifecycle) return; // deleting nothing changes nothing
    if (valid) next.lifecycle = valid;
    else delete next.lifecycle;
    next.lifecycleGeneration = (next.lifecycleGeneration ?? 0) + 1;
    tx.put(keys.bucketKey(name), next);
    tx.afterCommit(() => ctx.bucketCache.changed(name, next));
  });
}

export async function getBucketLifecycle(ctx: Ctx, name: string): Promise<LifecycleConfiguration | undefined> {
  const rec = (await requireBucket(ctx, name)) as WithLifecycle;
  return rec.lifecycle && (JSON.parse(JSON.stringify(rec.lifecycle)) as LifecycleConfiguration);
}
