/**
 * Zone replication configuration and the version data it transfers (replication/). Plain data: no
 * HTTP, no XML.
 */
import type { ContentHeaders, ObjectChecksum, StorageClass } from './common';

export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

export interface ReplicationFilter {
  prefix?: string;
  tag?: { key: string; value: string };
  and?: { prefix?: string; tags: { key: string; value: string }[] };
}

export interface ReplicationRule {
  id: string;
  priority?: number;
  status: 'Enabled' | 'Disabled';
  /** V2 schema (a Filter was given). */
  filter?: ReplicationFilter;
  /** V1 schema: the rule-level Prefix (delete markers always replicate, as in S3). */
  prefix?: string;
  /** V2: whether delete markers replicate (absent in V1 rules). */
  deleteMarkerReplication?: 'Enabled' | 'Disabled';
  /** Destination bucket NAME (from `arn:aws:s3:::NAME`). */
  destinationBucket: string;
  storageClass?: string;
}

export interface ReplicationConfiguration {
  role: string;
  rules: ReplicationRule[];
}

/** One version as replication transfers it (JSON-shaped). */
export interface ReplicaVersion {
  versionId: string;
  deleteMarker?: boolean;
  size: number;
  etag: string;
  /** Epoch ms. */
  lastModified: number;
  owner?: string;
  storageClass?: StorageClass;
  userMetadata?: Record<string, string>;
  headers?: ContentHeaders;
  tags?: [string, string][];
  checksum?: ObjectChecksum;
  partSizes?: number[];
  partChecksums?: string[];
}

export interface ReplicationSource extends ReplicaVersion {
  replicationStatus?: ReplicationStatus;
  replicatedTo?: string[];
}
