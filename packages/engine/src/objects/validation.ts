/**
 * Input limits S3 enforces on object writes (keys, user metadata, storage classes, sizes).
 */
import { S3Error, invalidArgument } from '../errors';
import type { StorageClass } from '../types';

/** S3's single-PUT (and copy source) limit: 5 GiB. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;
export const MAX_KEY_BYTES = 1024;
export const MAX_USER_METADATA_BYTES = 2048;

export const STORAGE_CLASSES: readonly StorageClass[] = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'OUTPOSTS',
  'EXPRESS_ONEZONE',
];

// A lone surrogate can't be encoded as UTF-8, so such a key can't be stored faithfully.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Object keys are opaque: "..", "./x", "//a", "trailing/" are ordinary keys (they never touch the
 * filesystem). Only emptiness, length, NUL (our key separator) and invalid UTF-8 are refused.
 */
export function validateObjectKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalidArgument('Object key must be at least one character long', 'key', '');
  }
  if (key.includes('\u0000') || LONE_SURROGATE.test(key)) {
    throw new S3Error('InvalidObjectName', 'Object key is not valid UTF-8 or contains a NUL character', { Key: key });
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', 'Your key is too long', { MaxSizeAllowed: String(MAX_KEY_BYTES), Size: String(bytes) });
  }
}

/** S3 counts the UTF-8 bytes of every user-metadata key and value (without "x-amz-meta-"). */
export function validateUserMetadata(meta: Record<string, string> | undefined): void {
  if (!meta) return;
  let size = 0;
  for (const [k, v] of Object.entries(meta)) size += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(String(v), 'utf8');
  if (size > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', {
      Size: String(size),
      MaxSizeAllowed: String(MAX_USER_METADATA_BYTES),
    });
  }
}

export function validateStorageClass(sc: string | undefined): void {
  if (sc !== undefined && !STORAGE_CLASSES.includes(sc as StorageClass)) {
    throw new S3Error('InvalidStorageClass', 'The storage class you specified is not valid', { StorageClassRequested: sc });
  }
}

export function validateContentLength(n: number | undefined): void {
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) {
    throw invalidArgument('Content-Length must be a non-negative integer', 'Content-Length', String(n));
  }
}

/** S3's limit on x-amz-website-redirect-location (characters). */
export const MAX_WEBSITE_REDIRECT_LOCATION = 2048;

/**
 * x-amz-website-redirect-location as S3 accepts it on PUT, copy and multipart create: a path in
 * the same site (`/…`) or an absolute http(s) URL, at most 2048 characters.
 */
export function validateWebsiteRedirectLocation(v: string | undefined): void {
  if (v === undefined) return;
  if (!v.startsWith('/') && !v.startsWith('http://') && !v.startsWith('https://')) {
    throw new S3Error('InvalidRedirectLocation', "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.");
  }
  if (v.length > MAX_WEBSITE_REDIRECT_LOCATION) {
    throw new S3Error('InvalidRedirectLocation', 'The length of website redirect location cannot exceed 2,048 characters.');
  }
}
