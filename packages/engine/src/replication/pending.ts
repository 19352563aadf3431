/**
 * The record-level half of replication status (status.ts has the operations): a version this
 * zone writes that a rule covers is PENDING in the very batch that creates it. Kept apart so
 * versions.ts can call it without importing the operations (no import cycle).
 */
import type { Ctx } from '../context';
import type { Txn } from '../meta/commit';
import type { ObjectRecord } from '../meta/records';
import { bucketById } from '../buckets/bucketRecord';
import { replicationRuleFor, type ReplicationFields } from './config';

/** Stages PENDING on a new version of this zone when a rule covers it (clears copied state). */
export async function markReplicationPending(ctx: Ctx, tx: Txn, bucketId: string, key: string, rec: ObjectRecord): Promise<void> {
  delete rec.replicationStatus;
  delete rec.replicatedTo;
  if (tx.source === 'lifecycle') return; // S3 does not replicate lifecycle actions
  const b = (await bucketById(ctx, bucketId)) as (ReplicationFields & { versioning?: string }) | undefined;
  if (!b?.replication) return;
  if (replicationRuleFor(b.replication, { key, tags: rec.tags, deleteMarker: rec.deleteMarker })) rec.replicationStatus = 'PENDING';
}
