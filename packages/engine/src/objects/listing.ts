/**
 * ListObjects over O/<bucketId>\0<key> through the range scanner (meta/rangeScan.ts): keys in
 * byte-wise UTF-8 order, common prefixes skipped by seeking, ~(maxKeys + 1) entry reads a page.
 */
import { invalidArgument } from '../errors';
import type { Ctx } from '../context';
import type { MetaDb } from '../meta/db';
import * as keys from '../meta/keys';
import { requireBucket } from '../buckets/bucketRecord';
import { decodeRecord, toMeta } from '../meta/records';
import { scanRange, takePage } from '../meta/rangeScan';
import type { ListObjectsOptions, ListObjectsResult } from '../types';

export async function listObjects(ctx: Ctx, bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
  const b = await requireBucket(ctx, bucket);
  return listBucketKeys(ctx.db, b.id, bucket, opts);
}

export async function listBucketKeys(db: MetaDb, bucketId: string, bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
  const maxKeys = opts.maxKeys;
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw invalidArgument('maxKeys must be a non-negative integer', 'max-keys', String(maxKeys));
  }
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter || undefined;
  const result: ListObjectsResult = { objects: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys === 0) return result;

  const items = scanRange(db, {
    base: keys.objectPrefix(bucketId),
    prefix,
    delimiter,
    resume:
      opts.startAfter === undefined
        ? undefined
        : { marker: opts.startAfter, seek: keys.justAfter(keys.objectKey(bucketId, opts.startAfter)), onlyFromPrefix: true },
    // A key whose latest version is a delete marker is not listed; a common prefix appears only
    // once a live key under it is found (markers are skipped one by one, history never read).
    decode: decodeRecord,
    skip: (_k, rec) => !!rec.deleteMarker,
  });
  const page = await takePage(items, maxKeys);
  let last: string | undefined;
  for (const item of page.items) {
    if (item.kind === 'prefix') {
      result.commonPrefixes.push(item.prefix);
      last = item.prefix;
    } else {
      result.objects.push(toMeta(bucket, item.name, item.value));
      last = item.name;
    }
  }
  result.isTruncated = page.isTruncated;
  if (last !== undefined) result.nextStartAfter = last;
  return result;
}
