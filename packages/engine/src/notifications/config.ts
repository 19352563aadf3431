/**
 * A bucket's notification configuration lives in its bucket record B/<name> (like lifecycle:
 * lifecycle/config.ts), so the notification workers read it from the bucket cache.
 */
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { findBucket, requireBucket, type BucketRecord } from '../buckets/bucketRecord';
import { validateNotificationConfiguration, type NotificationConfiguration } from './rules';

export interface NotificationFields {
  notification?: NotificationConfiguration;
}

type WithNotification = BucketRecord & NotificationFields;

/** What a notification worker needs of a bucket to deliver its events. */
export interface NotificationBucket {
  id: string;
  name: string;
  owner: string;
  config?: NotificationConfiguration;
}

/** An empty configuration (no rules) or undefined removes it, as S3's empty document does. */
export async function putBucketNotification(ctx: Ctx, name: string, cfg: NotificationConfiguration | undefined): Promise<void> {
  const valid = cfg === undefined || cfg.rules.length === 0 ? undefined : validateNotificationConfiguration(cfg);
  await ctx.committer.run(async (tx) => {
    const next: WithNotification = { ...(await requireBucket(ctx, name)) };
    if (!valid && !next.notification) return;
    if (valid) next.notification = valid;
    else delete next.notification;
    tx.put(keys.bucketKey(name), next);
    tx.afterCommit(() => ctx.bucketCache.changed(name, next));
  });
}

export async function getBucketNotification(ctx: Ctx, name: string): Promise<NotificationConfiguration> {
  const rec = (await requireBucket(ctx, name)) as WithNotification;
  return rec.notification ? (JSON.parse(JSON.stringify(rec.notification)) as NotificationConfiguration) : { rules: [] };
}

/** undefined when the bucket no longer exists. */
export async function notificationBucket(ctx: Ctx, name: string): Promise<NotificationBucket | undefined> {
  const rec = (await findBucket(ctx, name)) as WithNotification | undefined;
  if (!rec) return undefined;
  const out: NotificationBucket = { id: rec.id, name, owner: rec.owner };
  if (rec.notification) out.config = JSON.parse(JSON.stringify(rec.notification)) as NotificationConfiguration;
  return out;
}
