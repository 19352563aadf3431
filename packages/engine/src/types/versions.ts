/** ListObjectVersions entries, options and result (versions/). Plain data: no HTTP, no XML. */
import type { ObjectMeta } from './objects';

/** One entry of ListObjectVersions: a version or a delete marker. */
export interface ObjectVersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  lastModified: Date;
  owner: string;
  deleteMarker: boolean;
  /** Absent for delete markers. */
  meta?: ObjectMeta;
}

export interface ListObjectVersionsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  /** 0..1000 */
  maxKeys: number;
}

export interface ListObjectVersionsResult {
  entries: ObjectVersionEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}
