/**
 * ListObjects over O/<bucketId>\0<key>. Keys come out in byte-wise UTF-8 order. With a
 * delimiter, the first key under each common prefix yields the prefix and the cursor then SEEKS
 * past everything sharing it, so a page costs ~(maxKeys + 1) entry reads however many keys hide
 * under each common prefix.
 */
import { invalidArgument } from '../errors';
import type { Ctx } from '../context';
import type { MetaDb } from '../meta/db';
import * as keys from '../meta/keys';
import { requireBucket } from '../buckets/bucketRecord';
import { decodeRecord, toMeta } from '../meta/records';
import type { ListObjectsOptions, ListObjectsResult, ObjectMeta } from '../types';

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

  const base = keys.objectPrefix(bucketId);
  const baseLen = base.length;
  const from = Buffer.concat([base, Buffer.from(prefix, 'utf8')]);
  const lt = keys.prefixSuccessor(from)!;
  const cur = db.cursor({ gte: from, lt });

  try {
    const startAfter = opts.startAfter;
    if (startAfter !== undefined && startAfter !== '' && Buffer.compare(Buffer.from(startAfter, 'utf8'), Buffer.from(prefix, 'utf8')) >= 0) {
      const inPrefix = delimiter && startAfter.startsWith(prefix) ? commonPrefixOf(startAfter, prefix, delimiter) : undefined;
      // Resuming at/inside a common prefix that was already returned: skip all of it.
      if (inPrefix !== undefined) seekPast(cur, Buffer.concat([base, Buffer.from(inPrefix, 'utf8')]));
      else cur.seek(Buffer.concat([base, Buffer.from(startAfter, 'utf8'), Buffer.from([0])])); // smallest key > startAfter
    }

    const objects: ObjectMeta[] = [];
    let count = 0;
    let last: string | undefined;
    for (let e = await cur.next(); e; e = await cur.next()) {
      const key = keys.decodeObjectKey(e[0], baseLen);
      const rec = decodeRecord(e[1]);
      // A key whose latest version is a delete marker is not listed; a common prefix appears only
      // once a live key under it is found (markers are skipped one by one, history never read).
      if (rec.deleteMarker) continue;
      if (count === maxKeys) {
        result.isTruncated = true;
        break;
      }
      const cp = delimiter ? commonPrefixOf(key, prefix, delimiter) : undefined;
      if (cp !== undefined) {
        result.commonPrefixes.push(cp);
        last = cp;
        count++;
        if (!seekPast(cur, Buffer.concat([base, Buffer.from(cp, 'utf8')]))) break;
        continue;
      }
      objects.push(toMeta(bucket, key, rec));
      last = key;
      count++;
    }
    result.objects = objects;
    if (last !== undefined) result.nextStartAfter = last;
    return result;
  } finally {
    await cur.close();
  }
}

/** The common prefix `key` rolls up into (prefix + up to and including the first delimiter after it). */
function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

function seekPast(cur: { seek(t: Buffer): void }, dbPrefix: Buffer): boolean {
  const next = keys.prefixSuccessor(dbPrefix);
  if (!next) return false;
  cur.seek(next);
  return true;
}
