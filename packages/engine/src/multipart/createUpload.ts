/** CreateMultipartUpload: validates the request and stores the M/ upload record (records: uploadRecords.ts). */
import { invalidRequest } from '../errors';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { recheckBucket, requireBucket } from '../buckets/bucketRecord';
import { pickHeaders } from '../objects/objects';
import { toStoredTags, validateTags } from '../tagging/tags';
import { checkLockSettings } from '../lock/lockRules';
import { validateObjectKey, validateStorageClass, validateUserMetadata, validateWebsiteRedirectLocation } from '../objects/validation';
import { defaultChecksumType, newUploadId, toUploadInfo, type UploadRecord } from './uploadRecords';
import type { ChecksumAlgorithm, ChecksumType, CreateMultipartUploadOptions, MultipartUploadInfo } from '../types';

function validateChecksumType(alg: ChecksumAlgorithm | undefined, type: ChecksumType | undefined): void {
  if (type === undefined) return;
  if (type !== 'FULL_OBJECT' && type !== 'COMPOSITE') {
    throw invalidRequest('Value for x-amz-checksum-type header is invalid.');
  }
  if (!alg) throw invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  if (type === 'COMPOSITE' && alg === 'CRC64NVME') {
    throw invalidRequest('The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  }
  if (type === 'FULL_OBJECT' && (alg === 'SHA1' || alg === 'SHA256')) {
    throw invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${alg.toLowerCase()} checksum algorithm.`);
  }
}

export async function createMultipartUpload(ctx: Ctx, bucket: string, key: string, opts: CreateMultipartUploadOptions): Promise<MultipartUploadInfo> {
  validateObjectKey(key);
  validateUserMetadata(opts.userMetadata);
  validateStorageClass(opts.storageClass);
  validateChecksumType(opts.checksumAlgorithm, opts.checksumType);
  validateWebsiteRedirectLocation(opts.websiteRedirectLocation);
  if (opts.tags) validateTags(opts.tags, 'object');
  const b = await requireBucket(ctx, bucket);
  checkLockSettings(b, opts.lock);
  return ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    const uploadId = newUploadId(tx.now);
    const rec: UploadRecord = { initiated: tx.now, owner: opts.owner };
    if (opts.storageClass && opts.storageClass !== 'STANDARD') rec.storageClass = opts.storageClass;
    if (opts.acl) rec.acl = opts.acl;
    if (opts.tags?.length) rec.tags = toStoredTags(opts.tags);
    if (opts.lock?.retention || opts.lock?.legalHold !== undefined) {
      rec.lock = {};
      if (opts.lock.retention) rec.lock = { mode: opts.lock.retention.mode, until: opts.lock.retention.retainUntil.getTime() };
      if (opts.lock.legalHold !== undefined) rec.lock.legalHold = opts.lock.legalHold;
    }
    const um: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.userMetadata ?? {})) um[k.toLowerCase()] = String(v);
    if (Object.keys(um).length) rec.userMetadata = um;
    const headers = pickHeaders(opts);
    if (headers) rec.headers = headers;
    if (opts.checksumAlgorithm) {
      rec.checksumAlgorithm = opts.checksumAlgorithm;
      rec.checksumType = opts.checksumType ?? defaultChecksumType(opts.checksumAlgorithm);
    }
    tx.put(keys.uploadKey(b.id, key, uploadId), rec);
    return toUploadInfo(bucket, key, uploadId, rec);
  });
}
