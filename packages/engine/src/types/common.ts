/**
 * Data types several resources share: checksums, storage classes, chunk references, content
 * headers, tags, conditions, bodies. Plain data: no HTTP, no XML.
 */
import type { Readable } from 'node:stream';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

export type StorageClass =
  | 'STANDARD'
  | 'REDUCED_REDUNDANCY'
  | 'STANDARD_IA'
  | 'ONEZONE_IA'
  | 'INTELLIGENT_TIERING'
  | 'GLACIER'
  | 'DEEP_ARCHIVE'
  | 'GLACIER_IR'
  | 'OUTPOSTS'
  | 'EXPRESS_ONEZONE';

/** One content-addressed chunk: SHA-256 (lowercase hex) of its bytes, and its length. */
export interface ChunkRef {
  hash: string;
  size: number;
  /** Placement (storage directory) holding the chunk; absent = the default one (placement.ts). */
  placement?: string;
}

/** Headers S3 stores with an object and returns on GET/HEAD. */
export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  websiteRedirectLocation?: string;
}

export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** base64 of the big-endian digest, as S3 sends it in x-amz-checksum-* headers. */
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

/** One tag (object or bucket). */
export interface Tag {
  key: string;
  value: string;
}

export interface ReadConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

/** Conditional write (PUT / Complete): evaluated atomically against the current object. */
export interface WriteConditions {
  /** "*" means "must exist"; otherwise the current ETag must match. */
  ifMatch?: string;
  /** Only "*" is meaningful: the key must not exist. */
  ifNoneMatch?: string;
}

/** A parsed Range header; resolved against the object size by the engine. */
export type ByteRangeSpec =
  | { kind: 'range'; start: number; end?: number } // bytes=a-b or bytes=a-
  | { kind: 'suffix'; length: number }; // bytes=-n

/** What the engine computed while streaming a body, handed to `verify` before commit. */
export interface BodyDigests {
  size: number;
  md5: Buffer;
  checksum?: { algorithm: ChecksumAlgorithm; value: Buffer };
}

export type BodyInput = Readable | AsyncIterable<Buffer | Uint8Array>;
