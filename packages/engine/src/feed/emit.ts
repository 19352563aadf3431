/** Builds the change-feed event of a change to one object version (see events.ts). */
import type { Txn } from '../meta/commit';
import type { Ctx } from '../context';
import type { ObjectRecord } from '../meta/records';
import type { FeedEventName, PendingEvent } from './events';

export function stageObjectEvent(
  ctx: Ctx,
  tx: Txn,
  event: FeedEventName,
  bucketId: string,
  key: string,
  rec?: ObjectRecord,
  extra?: Partial<PendingEvent>,
): void {
  const e: PendingEvent = { event, bucketId, key };
  const name = ctx.bucketCache.nameOf(bucketId);
  if (name !== undefined) e.bucket = name;
  if (rec) {
    e.versionId = rec.versionId;
    if (!rec.deleteMarker) {
      e.size = rec.size;
      e.etag = rec.etag;
      e.storageClass = rec.storageClass ?? 'STANDARD';
    }
  }
  tx.event(extra ? { ...e, ...extra } : e);
}
