/**
 * ListObjectVersions: walks O/ (one entry per key, the latest version) and, for each key, that
 * key's V/ range (noncurrent versions, newest first): exactly S3's order (key ascending, newest
 * first within a key) without a merge. O/ is paged by the range scanner (meta/rangeScan.ts): a
 * common prefix is reported at its first key and the cursor seeks past it. A page reads
 * ~maxKeys + 1 entries plus one seek per key.
 */
import { invalidArgument } from '../errors';
import type { Ctx } from '../context';
import type { Snapshot } from '../meta/db';
import { scanRange, takePage } from '../meta/rangeScan';
import * as keys from '../meta/keys';
import { requireBucket } from '../buckets/bucketRecord';
import { decodeRecord, toMeta, type ObjectRecord } from '../meta/records';
import { findVersion } from './versions';
import type { ListObjectVersionsOptions, ListObjectVersionsResult, ObjectVersionEntry } from '../types';

type Item = { kind: 'version'; key: string; rec: ObjectRecord; isLatest: boolean } | { kind: 'prefix'; prefix: string };

export async function listObjectVersions(ctx: Ctx, bucket: string, opts: ListObjectVersionsOptions): Promise<ListObjectVersionsResult> {
  const b = await requireBucket(ctx, bucket);
  const maxKeys = opts.maxKeys;
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw invalidArgument('maxKeys must be a non-negative integer', 'max-keys', String(maxKeys));
  }
  if (opts.versionIdMarker !== undefined && opts.versionIdMarker !== '' && !opts.keyMarker) {
    throw invalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', opts.versionIdMarker);
  }
  const result: ListObjectVersionsResult = { entries: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys === 0) return result;
  const snapshot = ctx.db.snapshot();
  try {
    const page = await takePage(walk(ctx, b.id, opts, snapshot), maxKeys);
    for (const item of page.items) {
      if (item.kind === 'prefix') result.commonPrefixes.push(item.prefix);
      else result.entries.push(toEntry(bucket, item.key, item.rec, item.isLatest));
    }
    result.isTruncated = page.isTruncated;
    const last = page.items[page.items.length - 1];
    if (result.isTruncated && last) {
      if (last.kind === 'prefix') result.nextKeyMarker = last.prefix;
      else {
        result.nextKeyMarker = last.key;
        result.nextVersionIdMarker = last.rec.versionId;
      }
    }
    return result;
  } finally {
    await snapshot?.close();
  }
}

function toEntry(bucket: string, key: string, rec: ObjectRecord, isLatest: boolean): ObjectVersionEntry {
  const e: ObjectVersionEntry = {
    key,
    versionId: rec.versionId,
    isLatest,
    lastModified: new Date(rec.lastModified),
    owner: rec.owner,
    deleteMarker: !!rec.deleteMarker,
  };
  if (!rec.deleteMarker) e.meta = toMeta(bucket, key, rec);
  return e;
}

async function* walk(ctx: Ctx, bucketId: string, opts: ListObjectVersionsOptions, snapshot: Snapshot | undefined): AsyncGenerator<Item> {
  // Resume point: after all of keyMarker (or of its common prefix), or inside keyMarker after a version.
  const km = opts.keyMarker;
  const resumeKey = km !== undefined && opts.versionIdMarker ? km : undefined;
  const afterVersion = resumeKey !== undefined ? opts.versionIdMarker : undefined;
  const scan = scanRange(ctx.db, {
    base: keys.objectPrefix(bucketId),
    prefix: opts.prefix ?? '',
    delimiter: opts.delimiter,
    resume:
      km === undefined
        ? undefined
        : { marker: km, seek: resumeKey !== undefined ? keys.objectKey(bucketId, km) : keys.justAfter(keys.objectKey(bucketId, km)), onlyFromPrefix: true },
    snapshot,
  });
  for await (const item of scan) {
    if (item.kind === 'prefix') {
      yield item;
      continue;
    }
    const key = item.name;
    const latest = decodeRecord(item.value);
    const vr = keys.versionsRange(bucketId, key);
    let gt: Buffer | undefined;
    let skipLatest = false;
    if (key === resumeKey && afterVersion !== undefined) {
      skipLatest = true;
      if (latest.versionId !== afterVersion) {
        // Resume after that noncurrent version; an unknown one resumes after its would-be position.
        const loc = afterVersion === 'null' ? await findVersion(ctx, bucketId, key, 'null', snapshot) : undefined;
        if (afterVersion === 'null' && !loc) continue;
        gt = loc ? loc.dbKey : keys.versionKey(bucketId, key, afterVersion);
      }
    }
    if (!skipLatest) yield { kind: 'version', key, rec: latest, isLatest: true };
    const vc = ctx.db.cursor(gt ? { gt, lt: vr.lt, snapshot } : { gte: vr.gte, lt: vr.lt, snapshot });
    try {
      for (let v = await vc.next(); v; v = await vc.next()) yield { kind: 'version', key, rec: decodeRecord(v[1]), isLatest: false };
    } finally {
      await vc.close();
    }
  }
}
