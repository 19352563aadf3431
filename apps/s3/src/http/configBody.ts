/**
 * The body of a bucket-configuration PUT (CORS, RequestPayment, ...) or of DeleteObjects: small,
 * read into memory (at most `maxBytes`), with Content-MD5 / x-amz-checksum-* verified when sent.
 * `requireIntegrity` makes one of them mandatory, as S3 does for PutBucketCors and DeleteObjects
 * ("Missing required header for this request: Content-MD5").
 */
import { createHash } from 'node:crypto';
import { createChecksum } from '@cairn/engine';
import type { S3Context } from '../context';
import { invalidRequest } from '../errors';
import { readSmallBody } from './body';
import { parseIntegrity, verifyIntegrity } from './integrity';
import { openRequestBody } from './requestBody';

export const MAX_CONFIG_BODY_BYTES = 1024 * 1024;

export async function readConfigBody(c: S3Context, opts: { requireIntegrity?: boolean; maxBytes?: number } = {}): Promise<Buffer> {
  const integrity = parseIntegrity(c.headers);
  if (opts.requireIntegrity && !integrity.md5 && !integrity.expected && !integrity.trailer) {
    throw invalidRequest('Missing required header for this request: Content-MD5');
  }
  const body = await readSmallBody(openRequestBody(c), opts.maxBytes ?? MAX_CONFIG_BODY_BYTES);
  const md5 = createHash('md5').update(body).digest();
  let checksum: { algorithm: NonNullable<typeof integrity.algorithm>; value: Buffer } | undefined;
  if (integrity.algorithm) {
    const hasher = createChecksum(integrity.algorithm);
    hasher.update(body);
    checksum = { algorithm: integrity.algorithm, value: hasher.digest() };
  }
  verifyIntegrity(integrity, { size: body.length, md5, checksum }, () => c.auth.trailers());
  return body;
}
