/**
 * Object Lock rules on records: validating a lock configuration or a write's lock settings,
 * stamping a new version with its retention, and refusing to remove a protected version. Pure
 * (records in, records out or S3Error), below versions/, objects/ and multipart/ which apply them.
 */
import { S3Error, accessDenied, invalidArgument, invalidRequest, malformedXml } from '../errors';
import type { BucketRecord } from '../meta/bucketCache';
import type { ObjectRecord } from '../meta/records';
import type { ObjectLockConfiguration, ObjectLockMode, ObjectLockSettings, ObjectRetention } from '../types';

const DAY = 86_400_000;
const MODES: readonly ObjectLockMode[] = ['GOVERNANCE', 'COMPLIANCE'];

export const missingConfig = (): S3Error => invalidRequest('Bucket is missing Object Lock Configuration');
export const locked = (): S3Error => accessDenied('Access Denied because object protected by object lock.');

export function validateLockConfiguration(cfg: ObjectLockConfiguration): void {
  if (!cfg || cfg.enabled !== true) throw malformedXml('ObjectLockEnabled must be Enabled');
  const d = cfg.defaultRetention;
  if (!d) return;
  if (!MODES.includes(d.mode)) throw malformedXml('Unknown retention mode');
  if ((d.days === undefined) === (d.years === undefined)) throw malformedXml('Exactly one of Days and Years must be given');
  const n = d.days ?? d.years!;
  if (!Number.isInteger(n) || n <= 0) throw new S3Error('InvalidRetentionPeriod', 'Default retention period must be a positive integer value.');
  if ((d.days ?? 0) > 36500 || (d.years ?? 0) > 100) throw new S3Error('InvalidRetentionPeriod', 'Default retention period is too large.');
}

export function validateRetention(r: ObjectRetention, now: number): void {
  if (!MODES.includes(r.mode)) throw malformedXml('Unknown retention mode');
  if (!(r.retainUntil instanceof Date) || Number.isNaN(r.retainUntil.getTime()))
    throw invalidArgument('The retain until date is not valid.', 'RetainUntilDate');
  if (r.retainUntil.getTime() <= now) throw invalidArgument('The retain until date must be in the future!', 'RetainUntilDate');
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
