/**
 * Per-version replication status (ObjectRecord.replicationStatus, x-amz-replication-status):
 * a version written on this zone that a replication rule covers is PENDING in the same batch
 * that creates it (so a kill -9 cannot lose the intent: the feed event is in that batch too);
 * the replication workers then record each peer's answer: COMPLETED once every peer zone has
 * it, FAILED when a peer refused it for good. Replicas (written by a peer) are REPLICA and are
 * never replicated again: that is what keeps two-way rules from looping.
 */
import type { Ctx } from '../context';
import { S3Error } from '../errors';
import { requireBucket } from '../buckets/bucketRecord';
import { findVersion } from '../versions/versions';
import { replicationRuleFor, type ReplicationFields } from './config';
export { markReplicationPending } from './pending';

/**
 * A peer's answer for one version: ok adds it to replicatedTo (COMPLETED once every one of
 * `peers` is there), !ok makes it FAILED. A version gone meanwhile is ignored. Not a change
 * of the object: no feed event.
 */
export async function recordReplicationResult(
  ctx: Ctx,
  bucket: string,
  key: string,
  versionId: string,
  peer: string,
  ok: boolean,
  peers: string[],
): Promise<void> {
  const b = await requireBucket(ctx, bucket);
  await ctx.committer.run(async (tx) => {
    const loc = await findVersion(ctx, b.id, key, versionId);
    if (!loc || loc.rec.replicationStatus === 'REPLICA' || !loc.rec.replicationStatus) return;
    const rec = { ...loc.rec };
    const done = new Set(rec.replicatedTo ?? []);
    if (ok) done.add(peer);
    else done.delete(peer);
    rec.replicatedTo = [...done].sort();
    rec.replicationStatus = !ok ? 'FAILED' : peers.every((p) => done.has(p)) ? 'COMPLETED' : rec.replicationStatus === 'FAILED' ? 'FAILED' : 'PENDING';
    tx.put(loc.dbKey, rec);
  });
}

/**
 * Resync: queue `versionId` for `peer` again (PENDING, plus a Replication:Resync feed event
 * that only that peer's worker acts on), when a rule covers it and it originated here (not a
 * replica). Returns whether it was queued.
 */
export async function requeueReplication(ctx: Ctx, bucket: string, key: string, versionId: string, peer: string): Promise<boolean> {
  if (typeof peer !== 'string' || !peer) throw new S3Error('InvalidArgument', 'peer is required');
  const b = await requireBucket(ctx, bucket);
  const cfg = (b as ReplicationFields).replication;
  return ctx.committer.run(async (tx) => {
    const loc = await findVersion(ctx, b.id, key, versionId);
    if (!loc || loc.rec.replicationStatus === 'REPLICA') return false;
    if (!replicationRuleFor(cfg, { key, tags: loc.rec.tags, deleteMarker: loc.rec.deleteMarker })) return false;
    const rec = { ...loc.rec, replicationStatus: 'PENDING' as const };
    rec.replicatedTo = (rec.replicatedTo ?? []).filter((p) => p !== peer);
    tx.put(loc.dbKey, rec);
    tx.event({ event: 'Replication:Resync', bucketId: b.id, bucket, key, versionId, peer, ...(rec.deleteMarker ? {} : { size: rec.size, etag: rec.etag }) });
    return true;
  });
}
