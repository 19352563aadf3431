/**
 * Object Lock: bucket configuration, a version's retention, settings given with a write (lock/).
 * Plain data: no HTTP, no XML.
 */

export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** A bucket's Object Lock configuration; the default retention applies to new versions. */
export interface ObjectLockConfiguration {
  enabled: true;
  defaultRetention?: { mode: ObjectLockMode; days?: number; years?: number };
}

/** A version's retention: it cannot be deleted before retainUntil (GOVERNANCE: unless bypassed). */
export interface ObjectRetention {
  mode: ObjectLockMode;
  retainUntil: Date;
}

/** Object Lock settings given with a write (x-amz-object-lock-* headers). */
export interface ObjectLockSettings {
  retention?: ObjectRetention;
  legalHold?: boolean;
}
