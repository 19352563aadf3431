/** ListMultipartUploads: M/ records of a bucket, paged through the range scanner. */
import { invalidArgument } from '../errors';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { requireBucket } from '../buckets/bucketRecord';
import { scanRange, takePage } from '../meta/rangeScan';
import { decode, toUploadInfo, type UploadRecord } from './uploadRecords';
import type { ListMultipartUploadsOptions, ListMultipartUploadsResult } from '../types';

/** Uploads ordered by key, then initiation time (uploadIds sort by it); delimiter rolls keys up. */
export async function listMultipartUploads(ctx: Ctx, bucket: string, opts: ListMultipartUploadsOptions): Promise<ListMultipartUploadsResult> {
  const max = opts.maxUploads;
  if (!Number.isInteger(max) || max < 0) {
    throw invalidArgument('Argument max-uploads must be an integer between 0 and 2147483647', 'max-uploads', String(max));
  }
  const b = await requireBucket(ctx, bucket);
  const result: ListMultipartUploadsResult = { uploads: [], commonPrefixes: [], isTruncated: false };
  const limit = Math.min(max, 1000);
  if (limit === 0) return result;
  const base = keys.uploadsPrefix(b.id);
  const km = opts.keyMarker;
  const snapshot = ctx.db.snapshot();
  try {
    const scan = scanRange(ctx.db, {
      base,
      prefix: opts.prefix ?? '',
      delimiter: opts.delimiter,
      nameOf: (k) => keys.decodeUploadKey(k, base.length).key,
      // After key-marker's upload upload-id-marker, else past every upload of key-marker.
      resume:
        km === undefined
          ? undefined
          : { marker: km, seek: opts.uploadIdMarker ? keys.uploadSeekAfter(b.id, km, opts.uploadIdMarker) : keys.uploadsSeekPastKey(b.id, km) },
      snapshot,
    });
    const page = await takePage(scan, limit);
    let lastKey: string | undefined;
    let lastUpload: string | undefined;
    for (const item of page.items) {
      if (item.kind === 'prefix') {
        result.commonPrefixes.push(item.prefix);
        lastKey = item.prefix;
        lastUpload = undefined;
      } else {
        const { uploadId } = keys.decodeUploadKey(item.key, base.length);
        result.uploads.push(toUploadInfo(bucket, item.name, uploadId, decode<UploadRecord>(item.value)));
        lastKey = item.name;
        lastUpload = uploadId;
      }
    }
    result.isTruncated = page.isTruncated;
    // As S3, on every page: the last key (or common prefix) and upload id listed.
    if (lastKey !== undefined) {
      result.nextKeyMarker = lastKey;
      result.nextUploadIdMarker = lastUpload ?? '';
    }
    return result;
  } finally {
    await snapshot?.close();
  }
}
