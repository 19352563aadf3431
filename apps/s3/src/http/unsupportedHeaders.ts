/**
 * Request headers that ask for behaviour Cairn does not implement yet. Accepting them silently
 * would be a wrong success, so they answer 501 NotImplemented naming the header.
 * (Values that mean "the default" — SSE AES256 — are accepted. ACL headers are implemented: http/aclRequest.ts.)
 */
import type { IncomingHttpHeaders } from 'node:http';
import { s3Error } from '../errors';

function notImplementedHeader(name: string): never {
  throw s3Error('NotImplemented', undefined, { Header: name });
}

function h(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** PutObject, CopyObject. */
export function rejectUnsupportedObjectWriteHeaders(headers: IncomingHttpHeaders): void {
  const sse = h(headers, 'x-amz-server-side-encryption');
  if (sse !== undefined && sse !== 'AES256') notImplementedHeader('x-amz-server-side-encryption');
  for (const name of [
    'x-amz-server-side-encryption-customer-algorithm',
    'x-amz-server-side-encryption-aws-kms-key-id',
    'x-amz-copy-source-server-side-encryption-customer-algorithm',
  ]) {
    if (headers[name] !== undefined) notImplementedHeader(name);
  }
}

/** GetObject, HeadObject. */
export function rejectUnsupportedObjectReadHeaders(headers: IncomingHttpHeaders): void {
  for (const name of ['x-amz-server-side-encryption-customer-algorithm']) {
    if (headers[name] !== undefined) notImplementedHeader(name);
  }
}

/** CreateBucket. */
export function rejectUnsupportedCreateBucketHeaders(_headers: IncomingHttpHeaders): void {}
