/**
 * THE authorization decision: may this principal perform this operation on this bucket/object?
 *
 * For now the rule is ownership: a signed principal may list its buckets and create buckets;
 * only a bucket's owner may do anything with the bucket or the objects in it; anonymous
 * requests are denied everything. ACLs, bucket policies and public-access blocks extend this
 * function (and only this function) later.
 */
import type { BucketInfo } from '@cairn/engine';
import type { Principal } from './context';
import { s3Error } from './errors';

export interface AuthorizationRequest {
  principal: Principal | null;
  /** Operation name from the operation table (e.g. 'GetObject'). */
  operation: string;
  /** The bucket the operation acts on (absent for service-level operations and CreateBucket). */
  bucket?: BucketInfo;
  key?: string;
  /** x-amz-expected-bucket-owner, when the client sent it. */
  expectedBucketOwner?: string;
}

/** Operations any signed-in principal may perform without owning an existing bucket. */
const SIGNED_PRINCIPAL_OPERATIONS = new Set(['ListBuckets', 'ListDirectoryBuckets', 'CreateBucket']);

/** Throws AccessDenied unless the request is allowed. */
export function authorize(r: AuthorizationRequest): void {
  if (!r.principal) throw s3Error('AccessDenied');
  if (r.bucket && r.expectedBucketOwner !== undefined && r.expectedBucketOwner !== r.bucket.owner) throw s3Error('AccessDenied');
  if (SIGNED_PRINCIPAL_OPERATIONS.has(r.operation) && !r.bucket) return;
  if (!r.bucket) throw s3Error('AccessDenied');
  if (r.bucket.owner !== r.principal.userId) throw s3Error('AccessDenied');
}
