/** ListParts: an upload's P/ records in part-number order, paged through the range scanner. */
import { invalidArgument, noSuchUpload } from '../errors';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { requireBucket } from '../buckets/bucketRecord';
import { scanRange, takePage } from '../meta/rangeScan';
import { validateObjectKey } from '../objects/validation';
import { MAX_PARTS_PER_LIST, MIN_PART_NUMBER, UPLOAD_ID_RE, decode, toPartInfo, toUploadInfo, type PartRecord, type UploadRecord } from './uploadRecords';
import type { ListPartsOptions, ListPartsResult } from '../types';

export async function listParts(ctx: Ctx, bucket: string, key: string, uploadId: string, opts: ListPartsOptions = {}): Promise<ListPartsResult> {
  validateObjectKey(key);
  const max = opts.maxParts ?? MAX_PARTS_PER_LIST;
  if (!Number.isInteger(max) || max < 0) {
    throw invalidArgument('Argument max-parts must be an integer between 0 and 2147483647', 'max-parts', String(opts.maxParts));
  }
  const marker = opts.partNumberMarker ?? 0;
  if (!Number.isInteger(marker) || marker < 0) {
    throw invalidArgument('Argument part-number-marker must be an integer between 0 and 2147483647', 'part-number-marker', String(opts.partNumberMarker));
  }
  const limit = Math.min(max, MAX_PARTS_PER_LIST);
  const b = await requireBucket(ctx, bucket);
  const snapshot = ctx.db.snapshot();
  try {
    const raw = await ctx.db.get(keys.uploadKey(b.id, key, uploadId), snapshot);
    if (!raw || !UPLOAD_ID_RE.test(uploadId)) throw noSuchUpload(uploadId);
    const u = decode<UploadRecord>(raw);
    const scan = scanRange(ctx.db, {
      base: keys.partsPrefix(uploadId),
      resume: marker >= MIN_PART_NUMBER ? { marker: String(marker), seek: keys.justAfter(keys.partKey(uploadId, Math.min(marker, 99999))) } : undefined,
      snapshot,
    });
    const page = await takePage(scan, limit);
    const parts = page.items.flatMap((item) =>
      item.kind === 'entry' ? [toPartInfo(keys.decodePartNumber(item.key), decode<PartRecord>(item.value), u.checksumAlgorithm)] : [],
    );
    const result: ListPartsResult = { upload: toUploadInfo(bucket, key, uploadId, u), parts, isTruncated: page.isTruncated };
    // As S3: the last part listed, else the marker (so a client can always continue from it).
    result.nextPartNumberMarker = parts.length ? parts[parts.length - 1].partNumber : marker;
    return result;
  } finally {
    await snapshot?.close();
  }
}
