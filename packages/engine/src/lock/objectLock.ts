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
import { recheckBucket, requireBucket, updateBucket, type BucketRecord } from '../buckets/buckets';
import { locate } from '../tagging/objectTagging';
import { validateVersionId } from '../versions/versions';
import { validateObjectKey } from '../objects/validation';
import type { ObjectRecord } from '../meta/records';
import type { ObjectLockConfiguration, ObjectLockMode, ObjectLockSettings, ObjectRetention } from '../types';

const DAY = 86_400_000;
const MODES: readonly ObjectLockMode[] = ['GOVERNANCE', 'COMPLIANCE'];

const missingConfig = (): S3Error => new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
const locked = (): S3Error => new S3Error('AccessDenied', 'Access Denied because object protected by object lock.');

export function validateLockConfiguration(cfg: ObjectLockConfiguration): void {
  if (!cfg || cfg.enabled !== true) throw new S3Error('MalformedXML', 'ObjectLockEnabled must be Enabled');
  const d = cfg.defaultRetention;
  if (!d) return;
  if (!MODES.includes(d.mode)) throw new S3Error('MalformedXML', 'Unknown retention mode');
  if ((d.days === undefined) === (d.years === undefined)) throw new S3Error('MalformedXML', 'Exactly one of Days and Years must be given');
  const n = d.days ?? d.years!;
  if (!Number.isInteger(n) || n <= 0) throw new S3Error('InvalidRetentionPeriod', 'Default retention period must be a positive integer value.');
  if ((d.days ?? 0) > 36500 || (d.years ?? 0) > 100) throw new S3Error('InvalidRetentionPeriod', 'Default retention period is too large.');
}

function validateRetention(r: ObjectRetention, now: number): void {
  if (!MODES.includes(r.mode)) throw new S3Error('MalformedXML', 'Unknown retention mode');
  if (!(r.retainUntil instanceof Date) || Number.isNaN(r.retainUntil.getTime())) throw new S3Error('InvalidArgument', 'The retain until date is not valid.', { ArgumentName: 'RetainUntilDate' });
  if (r.retainUntil.getTime() <= now) throw new S3Error('InvalidArgument', 'The retain until date must be in the future!', { ArgumentName: 'RetainUntilDate' });
}

/** Validates the lock settings of a write before any byte is read. */
export function checkLockSettings(bucket: BucketRecord, lock: ObjectLockSettings | undefined, now = Date.now()): void {
  if (!lock || (lock.retention === undefined && lock.legalHold === undefined)) return;
  if (!bucket.objectLock) throw missingConfig();
  if (lock.retention) validateRetention(lock.retention, now);
}

/** Stamps a new version with its lock: the request's settings, else the bucket's default retention. */
export function applyLock(bucket: BucketRecord | undefined, rec: ObjectRecord, lock: ObjectLockSettings | undefined, now: number): void {
  if (lock?.retention) rec.retention = { mode: lock.retention.mode, until: lock.retention.retainUntil.getTime() };
  else if (bucket?.objectLock?.defaultRetention && !rec.deleteMarker && !rec.retention) {
    const d = bucket.objectLock.defaultRetention;
    rec.retention = { mode: d.mode, until: now + (d.days !== undefined ? d.days * DAY : d.years! * 365 * DAY) };
  }
  if (lock?.legalHold !== undefined) rec.legalHold = lock.legalHold;
}

/** Throws AccessDenied when `rec` may not be removed now. */
export function assertDeletable(rec: ObjectRecord, now: number, bypassGovernance: boolean): void {
  if (rec.legalHold) throw locked();
  const r = rec.retention;
  if (r && r.until > now && (r.mode === 'COMPLIANCE' || !bypassGovernance)) throw locked();
}

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
  if (!b.objectLock) throw new S3Error('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', { BucketName: bucket });
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

export function putObjectRetention(ctx: Ctx, bucket: string, key: string, retention: ObjectRetention | undefined, opts: { versionId?: string; bypassGovernance?: boolean } = {}): Promise<{ versionId: string }> {
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
