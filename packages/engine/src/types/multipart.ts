/**
 * Multipart uploads: options and results of create, upload part (copy), list parts, complete, list
 * uploads (multipart/). Plain data: no HTTP, no XML.
 */
import type { Acl } from '../acl';
import type { BodyDigests, ChecksumAlgorithm, ContentHeaders, ReadConditions, StorageClass, Tag, WriteConditions } from './common';
import type { ObjectLockSettings } from './lock';

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface CreateMultipartUploadOptions extends ContentHeaders {
  owner: string;
  userMetadata?: Record<string, string>;
  storageClass?: StorageClass;
  /** Every part is checksummed with it and the object gets a multipart checksum. */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** Default: FULL_OBJECT for CRC64NVME, COMPOSITE otherwise (as S3). */
  checksumType?: ChecksumType;
  /** The completed object's ACL (absent = private to `owner`). */
  acl?: Acl;
  /** Object tags of the completed object. */
  tags?: Tag[];
  /** Object Lock settings of the completed object. */
  lock?: ObjectLockSettings;
}

export interface MultipartUploadInfo {
  bucket: string;
  key: string;
  /** Unique, URL-safe; sorts by initiation time. */
  uploadId: string;
  initiated: Date;
  owner: string;
  storageClass: StorageClass;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
}

export interface UploadPartOptions {
  contentLength?: number;
  /** The algorithm the request's checksum header/trailer names; must match the upload's (if it has one). */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** As for putObject: runs after the body, before the commit (Content-MD5, checksums). */
  verify?: (digests: BodyDigests) => void | Promise<void>;
  /** As for putObject: the body's Buffers may be moved to the hashing thread. */
  transferBody?: boolean;
}

export interface PartInfo {
  partNumber: number;
  /** Hex MD5 of the part's bytes. Unquoted. */
  etag: string;
  size: number;
  lastModified: Date;
  /** base64, when the upload has a checksum algorithm. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** UploadPartCopy: the version of the source that was copied (absent for "null"). */
  copySourceVersionId?: string;
}

export interface UploadPartCopyOptions {
  srcVersionId?: string;
  /** x-amz-copy-source-range, inclusive; must lie within the source. */
  range?: { start: number; end: number };
  /** x-amz-copy-source-if-* */
  sourceConditions?: ReadConditions;
}

export interface ListPartsOptions {
  /** Exclusive: parts after this number. */
  partNumberMarker?: number;
  /** 1..1000 (default 1000). */
  maxParts?: number;
}

export interface ListPartsResult {
  upload: MultipartUploadInfo;
  parts: PartInfo[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

export interface CompletedPart {
  partNumber: number;
  /** Quoted or not. */
  etag: string;
  /** base64 part checksum the client sent (ChecksumCRC32 ...): must match the stored one. */
  checksum?: string;
}

export interface CompleteMultipartUploadOptions {
  conditions?: WriteConditions;
  /** x-amz-checksum-type: must equal the upload's. */
  checksumType?: ChecksumType;
  /** Whole-object checksum the client expects (x-amz-checksum-*; "value-N" for composite). */
  expectedChecksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** x-amz-mp-object-size */
  expectedSize?: number;
}

export interface ListMultipartUploadsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  /** Only with keyMarker: uploads of keyMarker initiated after this one are included. */
  uploadIdMarker?: string;
  /** 0..1000 */
  maxUploads: number;
}

export interface ListMultipartUploadsResult {
  uploads: MultipartUploadInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key (or common prefix) and upload id ('' after a prefix) listed; absent when nothing was. */
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}
