/**
 * ListObjectVersions: walks O/ (one entry per key, the latest version) and, for each key, that
 * key's V/ range (noncurrent versions, newest first): exactly S3's order (key ascending, newest
 * first within a key) without a merge. With a delimiter, a common prefix is reported at its first
 * key and the cursor seeks past it. A page reads ~maxKeys + 1 entries plus one seek per key.
 */
import { invalidArgument } from '../errors';
import type { Ctx } from '../context';
import type { Cursor, Snapshot } from '../meta/db';
import * as keys from '../meta/keys';
import { requireBucket } from '../buckets/bucketRecord';
import { decodeRecord, toMeta, type ObjectRecord } from '../meta/records';
import { findVersion } from './versions';
import type { ListObjectVersionsOptions, ListObjectVersionsResult, ObjectVersionEntry } from '../types';

type Item = { kind: 'version'; key: string; rec: ObjectRecord; isLatest: boolean } | { kind: 'prefix'; prefix: string };

function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

function seekPast(cur: Cursor, dbPrefix: Buffer): void {
  const next = keys.prefixSuccessor(dbPrefix);
  if (next) cur.seek(next);
}

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
    const it = walk(ctx, b.id, opts, snapshot);
    let count = 0;
    let last: Item | undefined;
    for (let n = await it.next(); !n.done; n = await it.next()) {
      const item = n.value;
      if (count === maxKeys) {
        result.isTruncated = true;
        break;
      }
      count++;
      last = item;
      if (item.kind === 'prefix') result.commonPrefixes.push(item.prefix);
      else result.entries.push(toEntry(bucket, item.key, item.rec, item.isLatest));
    }
    await it.return(undefined);
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
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter || undefined;
  const base = keys.objectPrefix(bucketId);
  const from = Buffer.concat([base, Buffer.from(prefix, 'utf8')]);
  const cur = ctx.db.cursor({ gte: from, lt: keys.prefixSuccessor(from)!, snapshot });
  try {
    // Resume point: after all of keyMarker (or of its common prefix), or inside keyMarker after a version.
    let resumeKey: string | undefined;
    let afterVersion: string | undefined;
    const km = opts.keyMarker;
    if (km !== undefined && km !== '' && Buffer.compare(Buffer.from(km, 'utf8'), Buffer.from(prefix, 'utf8')) >= 0) {
      const cp = delimiter && km.startsWith(prefix) ? commonPrefixOf(km, prefix, delimiter) : undefined;
      if (cp !== undefined) seekPast(cur, Buffer.concat([base, Buffer.from(cp, 'utf8')]));
      else if (opts.versionIdMarker) {
        resumeKey = km;
        afterVersion = opts.versionIdMarker;
        cur.seek(Buffer.concat([base, Buffer.from(km, 'utf8')]));
      } else cur.seek(Buffer.concat([base, Buffer.from(km, 'utf8'), Buffer.from([0])]));
    }
    for (let e = await cur.next(); e; e = await cur.next()) {
      const key = keys.decodeObjectKey(e[0], base.length);
      const cp = delimiter ? commonPrefixOf(key, prefix, delimiter) : undefined;
      if (cp !== undefined) {
        yield { kind: 'prefix', prefix: cp };
        seekPast(cur, Buffer.concat([base, Buffer.from(cp, 'utf8')]));
        continue;
      }
      const latest = decodeRecord(e[1]);
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
  } finally {
    await cur.close();
  }
}
