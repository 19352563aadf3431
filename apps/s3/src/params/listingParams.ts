/**
 * The query parameters of the listing operations, one typed parser per operation (the operation
 * table, operations.ts, runs it before the handler). Every bad value is S3's InvalidArgument.
 */
import { invalidArgument } from '../errors';
import { encoderFor } from '../http/urlEncoding';
import { decodeContinuationToken } from './continuationToken';
import { countParam, delimiterParam, encodingTypeParam, maxBucketsParam, maxKeysParam, optional, partNumberMarkerParam, uploadIdParam } from './queryValues';

/** prefix, delimiter and encoding-type, read alike by every listing of keys. */
export interface ListingQuery {
  prefix: string;
  delimiter: string | undefined;
  encodingType: 'url' | undefined;
  /** Applies encoding-type to a name in the response. */
  enc: (s: string) => string;
}

function listingQuery(q: URLSearchParams): ListingQuery {
  const encodingType = encodingTypeParam(q);
  return { prefix: q.get('prefix') ?? '', delimiter: delimiterParam(q), encodingType, enc: encoderFor(encodingType) };
}

export interface ListBucketsParams {
  prefix?: string;
  continuationToken?: string;
  maxBuckets?: number;
  bucketRegion?: string;
}

export function listBucketsParams(q: URLSearchParams): ListBucketsParams {
  const maxBuckets = maxBucketsParam(q);
  const continuationToken = optional(q, 'continuation-token');
  if (continuationToken === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token');
  return { prefix: optional(q, 'prefix'), continuationToken, maxBuckets, bucketRegion: optional(q, 'bucket-region') };
}

export interface ListObjectsParams extends ListingQuery {
  marker: string;
  maxKeys: number;
}

export function listObjectsParams(q: URLSearchParams): ListObjectsParams {
  const maxKeys = maxKeysParam(q);
  return { marker: q.get('marker') ?? '', maxKeys, ...listingQuery(q) };
}

export interface ListObjectsV2Params extends ListingQuery {
  maxKeys: number;
  /** As sent (echoed in the response). */
  continuationToken?: string;
  /** As sent (echoed); ignored for paging when a continuation token is given. */
  startAfterParam?: string;
  /** Where the page starts: the token's position, else start-after. */
  startAfter?: string;
  fetchOwner: boolean;
}

export function listObjectsV2Params(q: URLSearchParams): ListObjectsV2Params {
  const maxKeys = maxKeysParam(q);
  const listing = listingQuery(q);
  const continuationToken = optional(q, 'continuation-token');
  const startAfterParam = optional(q, 'start-after') || undefined;
  let startAfter = startAfterParam;
  if (continuationToken !== undefined) {
    if (continuationToken === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token');
    startAfter = decodeContinuationToken(continuationToken.replace(/ /g, '+')); // a '+' sent unencoded arrives as a space
  }
  return { maxKeys, ...listing, continuationToken, startAfterParam, startAfter, fetchOwner: (q.get('fetch-owner') ?? '').toLowerCase() === 'true' };
}

export interface ListObjectVersionsParams extends ListingQuery {
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
}

export function listObjectVersionsParams(q: URLSearchParams): ListObjectVersionsParams {
  const keyMarker = q.get('key-marker') ?? '';
  const versionIdMarker = q.get('version-id-marker') ?? '';
  const maxKeys = maxKeysParam(q);
  return { keyMarker, versionIdMarker, maxKeys, ...listingQuery(q) };
}

export interface ListMultipartUploadsParams extends ListingQuery {
  keyMarker: string;
  /** Only meaningful with key-marker (S3 ignores it otherwise). */
  uploadIdMarker: string;
  maxUploads: number;
}

export function listMultipartUploadsParams(q: URLSearchParams): ListMultipartUploadsParams {
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = keyMarker ? (q.get('upload-id-marker') ?? '') : '';
  const maxUploads = countParam(q, 'max-uploads');
  return { keyMarker, uploadIdMarker, maxUploads, ...listingQuery(q) };
}

export interface ListPartsParams {
  uploadId: string;
  maxParts: number;
  partNumberMarker: number;
  encodingType: 'url' | undefined;
}

export function listPartsParams(q: URLSearchParams): ListPartsParams {
  const uploadId = uploadIdParam(q);
  const maxParts = countParam(q, 'max-parts');
  const partNumberMarker = partNumberMarkerParam(q);
  return { uploadId, maxParts, partNumberMarker, encodingType: encodingTypeParam(q) };
}
