/**
 * Object Lock: a bucket's configuration (enabled + optional default retention) lives in its
 * record; a version's retention and legal hold live in the version record (records.ts). A version
 * under legal hold or unexpired retention cannot be deleted (AccessDenied); GOVERNANCE retention
 * yields to `bypassGovernance` (x-amz-bypass-governance-retention), COMPLIANCE never.
 * Lock buckets are always versioned (Enabled), so a write never replaces a locked version.
 */
import { stageObjectEvent } from '../feed/emit';
import { S3Error } from '../errors';
import type { Ctx } from '../context';
import { recheckBucket, requireBucket, updateBucket } from '../buckets/bucketRecord';
import { locate, validateVersionId } from '../versions/versions';
import { validateObjectKey } from '../objects/validation';
import type { ObjectRecord } from '../meta/records';
import { locked, missingConfig, validateLockConfiguration, validateRetention } from './lockRules';
import type { ObjectLockConfiguration, ObjectRetention } from '../types';

export function putObjectLockConfiguration(ctx: Ctx, bucket: string, cfg: ObjectLockConfiguration): Promise<void> {
  try {
    validateLockConfiguration(cfg);
  } catch (e) {
    return Promise.reject(e);
  }
  return updateBucket(ctx, bucket, (r) => {
    if (!r.objectLock && r.versioning !== 'Enabled') {
      throw new S3Error('InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration", { BucketName: bucket });
    }
    const next: ObjectLockConfiguration = { enabled: true };
    if (cfg.defaultRetention) next.defaultRetention = { ...cfg.defaultRetention };
    return { ...r, objectLock: next, versioning: 'Enabled' };
  });
}

export async function getObjectLockConfiguration(ctx: Ctx, bucket: string): Promise<ObjectLockConfiguration> {
  const b = await requireBucket(ctx, bucket);
  if (!b.objectLock)
    throw new S3Error('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', { BucketName: bucket });
  return { ...b.objectLock, ...(b.objectLock.defaultRetention ? { defaultRetention: { ...b.objectLock.defaultRetention } } : {}) };
}

async function update(
  ctx: Ctx,
  bucket: string,
  key: string,
  versionId: string | undefined,
  method: string,
  fn: (rec: ObjectRecord, now: number) => void,
  event: 'ObjectRetention:Put' | 'ObjectLegalHold:Put' = 'ObjectRetention:Put',
): Promise<{ versionId: string }> {
  validateObjectKey(key);
  if (versionId !== undefined) validateVersionId(versionId);
  const b = await requireBucket(ctx, bucket);
  if (!b.objectLock) throw missingConfig();
  return ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    const loc = await locate(ctx, b.id, key, versionId, method);
    const rec = { ...loc.rec };
    fn(rec, tx.now);
    tx.put(loc.dbKey, rec);
    stageObjectEvent(ctx, tx, event, b.id, key, rec);
    return { versionId: rec.versionId };
  });
}

export function putObjectRetention(
  ctx: Ctx,
  bucket: string,
  key: string,
  retention: ObjectRetention | undefined,
  opts: { versionId?: string; bypassGovernance?: boolean } = {},
): Promise<{ versionId: string }> {
  return update(ctx, bucket, key, opts.versionId, 'PUT', (rec, now) => {
    if (retention) validateRetention(retention, now);
    const cur = rec.retention;
    if (cur && cur.until > now) {
      // Only extending the date in the same mode is free. Removing, shortening or changing the
      // mode (GOVERNANCE → COMPLIANCE too) needs the governance bypass; COMPLIANCE can never be weakened.
      const extendsOnly = !!retention && retention.mode === cur.mode && retention.retainUntil.getTime() >= cur.until;
      const weakensCompliance = cur.mode === 'COMPLIANCE' && (!retention || retention.mode !== 'COMPLIANCE' || retention.retainUntil.getTime() < cur.until);
      if (weakensCompliance || (!extendsOnly && !opts.bypassGovernance)) throw locked();
    }
    if (retention) rec.retention = { mode: retention.mode, until: retention.retainUntil.getTime() };
    else delete rec.retention;
  });
}

export async function getObjectRetention(ctx: Ctx, bucket: string, key: string, opts: { versionId?: string } = {}): Promise<ObjectRetention> {
  const rec = await readLocked(ctx, bucket, key, opts.versionId);
  if (!rec.retention) throw new S3Error('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
  return { mode: rec.retention.mode, retainUntil: new Date(rec.retention.until) };
}

export function putObjectLegalHold(ctx: Ctx, bucket: string, key: string, on: boolean, opts: { versionId?: string } = {}): Promise<{ versionId: string }> {
  return update(
    ctx,
    bucket,
    key,
    opts.versionId,
    'PUT',
    (rec) => {
      rec.legalHold = on;
    },
    'ObjectLegalHold:Put',
  );
}

export async function getObjectLegalHold(ctx: Ctx, bucket: string, key: string, opts: { versionId?: string } = {}): Promise<boolean> {
  const rec = await readLocked(ctx, bucket, key, opts.versionId);
  if (rec.legalHold === undefined) throw new S3Error('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
  return rec.legalHold;
}

async function readLocked(ctx: Ctx, bucket: string, key: string, versionId: string | undefined): Promise<ObjectRecord> {
  validateObjectKey(key);
  if (versionId !== undefined) validateVersionId(versionId);
  const b = await requireBucket(ctx, bucket);
  if (!b.objectLock) throw missingConfig();
  return (await locate(ctx, b.id, key, versionId, 'GET')).rec;
}
