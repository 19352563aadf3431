/**
 * Lifecycle configuration (lifecycle/rules.ts validates and evaluates it). Plain data: no HTTP, no
 * XML.
 */
import type { StorageClass, Tag } from './common';

export interface LifecycleAndFilter {
  prefix?: string;
  tags: Tag[];
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
}

/** A rule's Filter: at most one field set ({} = every object). */
export interface LifecycleFilter {
  prefix?: string;
  tag?: Tag;
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
  and?: LifecycleAndFilter;
}

export interface LifecycleTransition {
  days?: number;
  /** ISO 8601, midnight UTC. */
  date?: string;
  storageClass: StorageClass;
}

export interface NoncurrentTransition {
  noncurrentDays: number;
  newerNoncurrentVersions?: number;
  storageClass: StorageClass;
}

export interface LifecycleRule {
  id: string;
  status: 'Enabled' | 'Disabled';
  /** The legacy top-level Prefix (a rule has it or `filter`, never both). */
  prefix?: string;
  filter?: LifecycleFilter;
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  transitions?: LifecycleTransition[];
  noncurrentVersionExpiration?: { noncurrentDays: number; newerNoncurrentVersions?: number };
  noncurrentVersionTransitions?: NoncurrentTransition[];
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
}
