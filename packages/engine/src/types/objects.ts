/**
 * Objects: metadata, put / get / copy / delete options and results, listings (objects/). Plain
 * data: no HTTP, no XML.
 */
import type { Readable } from 'node:stream';
import type { Acl } from '../acl';
import type {
  BodyDigests,
  ByteRangeSpec,
  ChecksumAlgorithm,
  ContentHeaders,
  ObjectChecksum,
  ReadConditions,
  StorageClass,
  Tag,
  WriteConditions,
} from './common';
import type { ObjectLockSettings, ObjectRetention } from './lock';

/** Everything known about one object version, except where its bytes are. */
export interface ObjectMeta extends ContentHeaders {
  bucket: string;
  key: string;
  size: number;
  /** Hex MD5 of the body, or "<hex>-<parts>" for multipart objects. Unquoted. */
  etag: string;
  lastModified: Date;
  /** Keys lower-cased, without the "x-amz-meta-" prefix. */
  userMetadata: Record<string, string>;
  storageClass: StorageClass;
  owner: string;
  /** "null" for objects written while versioning was never enabled (or suspended). */
  versionId: string;
  checksum?: ObjectChecksum;
  /** Sizes of the parts of a multipart object, in order; absent for single PUTs. */
  partSizes?: number[];
  /** Each part's checksum (base64) of a multipart object with a COMPOSITE checksum: what a partNumber read reports. */
  partChecksums?: string[];
  /** Number of object tags (x-amz-tagging-count); absent when none. */
  tagCount?: number;
  /** CopyObject only: the version id of the source that was copied. */
  sourceVersionId?: string;
  /** Object Lock state of this version (objectLock.ts). */
  retention?: ObjectRetention;
  legalHold?: boolean;
  /** The object's ACL when one was set; absent = private to `owner` (acl/). */
  acl?: Acl;
  /** x-amz-replication-status: PENDING / COMPLETED / FAILED on a source, REPLICA on a peer (replication/). */
  replicationStatus?: 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';
}

/** What authorization needs to know about an existing object (version). */
export interface ObjectAccess {
  owner: string;
  acl: Acl;
  /** Object tags by key (s3:ExistingObjectTag/<key>). */
  tags: Record<string, string>;
  versionId: string;
}

export interface PutObjectOptions extends ContentHeaders {
  owner: string;
  /** The change-feed event name: a browser-form POST upload is `ObjectCreated:Post` (S3's notification type). */
  feedEvent?: 'ObjectCreated:Put' | 'ObjectCreated:Post';
  userMetadata?: Record<string, string>;
  storageClass?: StorageClass;
  /** Declared length; a body that ends short fails with IncompleteBody, one that runs long with InvalidRequest. */
  contentLength?: number;
  /** Compute this checksum while streaming and store it with the object. */
  checksumAlgorithm?: ChecksumAlgorithm;
  conditions?: WriteConditions;
  /** Object tags (validated: tags.ts). */
  tags?: Tag[];
  /** Object Lock retention / legal hold for the new version (bucket default otherwise). */
  lock?: ObjectLockSettings;
  /** The new object's ACL (absent = private to `owner`). */
  acl?: Acl;
  /**
   * Called once the whole body has been read and before anything is committed.
   * Throw (an S3Error) to abort: nothing becomes visible and the chunks are released.
   * The HTTP layer checks Content-MD5, x-amz-checksum-* headers and trailers here.
   */
  verify?: (digests: BodyDigests) => void | Promise<void>;
  /**
   * The body's Buffers belong to nobody else once read (a socket's, as the S3 server's request
   * bodies): large bodies then move whole pieces to the hashing thread instead of copying them
   * (they are detached from this thread). Leave unset for bodies made from your own Buffers.
   */
  transferBody?: boolean;
}

export interface GetObjectOptions {
  versionId?: string;
  range?: ByteRangeSpec;
  conditions?: ReadConditions;
  /**
   * The body's buffers come from a pool (chunks/readBuffers.ts): hand each one back with
   * `releaseBodyBuffer(buf)` once nothing reads it any more (a server: in the socket write's
   * callback), and never touch it after. Unreleased buffers are just garbage-collected.
   */
  pooledBuffers?: boolean;
}

export interface GetObjectResult {
  meta: ObjectMeta;
  /** Resolved inclusive byte range when a Range was given and satisfiable. */
  range?: { start: number; end: number };
  body: Readable;
  /**
   * The same bytes as `body`, when they are already in memory (bodies stored inline in metadata):
   * a server can send them with the headers in one write instead of piping a stream.
   */
  bytes?: Buffer;
}

export interface DeleteObjectResult {
  versionId?: string;
  deleteMarker?: boolean;
}

export interface CopyObjectOptions {
  owner: string;
  srcVersionId?: string;
  metadataDirective?: 'COPY' | 'REPLACE';
  /** Used when metadataDirective is REPLACE. */
  contentHeaders?: ContentHeaders;
  userMetadata?: Record<string, string>;
  storageClass?: StorageClass;
  /** x-amz-copy-source-if-* */
  sourceConditions?: ReadConditions;
  /** If-Match / If-None-Match on the destination. */
  conditions?: WriteConditions;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** COPY (default) keeps the source's tags; REPLACE uses `tags`. */
  taggingDirective?: 'COPY' | 'REPLACE';
  tags?: Tag[];
  /** Object Lock settings of the copy (never copied from the source, as in S3). */
  lock?: ObjectLockSettings;
  /** The copy's ACL (absent = private to `owner`; never copied from the source). */
  acl?: Acl;
  /** x-amz-website-redirect-location of the copy: never copied from the source (S3), whatever the directive. */
  websiteRedirectLocation?: string;
}

export interface ListObjectsOptions {
  prefix?: string;
  delimiter?: string;
  /** Exclusive: only keys (and common prefixes) sorting after this are returned. */
  startAfter?: string;
  /** 0..1000; the HTTP layer clamps. */
  maxKeys: number;
}

export interface ListObjectsResult {
  objects: ObjectMeta[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: pass as startAfter to continue. */
  nextStartAfter?: string;
}

export interface DeleteObjectsItem {
  key: string;
  versionId?: string;
}

export interface DeleteObjectsResultItem {
  key: string;
  versionId?: string;
  deleteMarker?: boolean;
  deleteMarkerVersionId?: string;
  error?: { code: string; message: string };
}
