/**
 * Object ACLs: stored in the object (version) record as `acl`; a record without one has the
 * default private ACL of its owner. Put rewrites the record in place (same key, same version).
 */
import { stageObjectEvent } from '../feed/emit';
import { S3Error, accessDenied, noSuchVersion, noSuchKey } from '../errors';
import type { Ctx } from '../context';
import { requireBucket } from '../buckets/bucketRecord';
import { accessOf, checkAclAllowed } from '../buckets/bucketAccess';
import { cloneAcl, privateAcl, validateAcl, type Acl } from '.';
import { decodeRecord, type ObjectRecord } from '../meta/records';
import * as keys from '../meta/keys';
import { findVersion } from '../versions/versions';
import type { ObjectAccess } from '../types';

async function locate(ctx: Ctx, bucketId: string, key: string, versionId: string | undefined): Promise<{ rec: ObjectRecord; dbKey: Buffer }> {
  if (versionId === undefined) {
    const dbKey = keys.objectKey(bucketId, key);
    const raw = await ctx.db.get(dbKey);
    const rec = raw ? decodeRecord(raw) : undefined;
    if (!rec || rec.deleteMarker) throw noSuchKey(key);
    return { rec, dbKey };
  }
  const found = await findVersion(ctx, bucketId, key, versionId);
  if (!found) throw noSuchVersion(key, versionId);
  if (found.rec.deleteMarker)
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: 'GET', ResourceType: 'DeleteMarker' });
  return found;
}

export const objectAclOf = (rec: Pick<ObjectRecord, 'owner'> & { acl?: Acl }): Acl => (rec.acl ? cloneAcl(rec.acl) : privateAcl(rec.owner));

/**
 * What authorizing a request on an existing object needs: owner, ACL, tags (one record read).
 * undefined when the key (or version) does not exist or is a delete marker.
 */
export async function getObjectAccess(ctx: Ctx, bucket: string, key: string, opts: { versionId?: string } = {}): Promise<ObjectAccess | undefined> {
  const b = await requireBucket(ctx, bucket);
  let rec: ObjectRecord | undefined;
  if (opts.versionId === undefined) {
    const raw = await ctx.db.get(keys.objectKey(b.id, key));
    rec = raw ? decodeRecord(raw) : undefined;
  } else {
    rec = (await findVersion(ctx, b.id, key, opts.versionId))?.rec;
  }
  if (!rec || rec.deleteMarker) return undefined;
  return { owner: rec.owner, acl: objectAclOf(rec), tags: Object.fromEntries(rec.tags ?? []), versionId: rec.versionId };
}

export async function getObjectAcl(ctx: Ctx, bucket: string, key: string, opts: { versionId?: string } = {}): Promise<{ acl: Acl; versionId: string }> {
  const b = await requireBucket(ctx, bucket);
  const { rec } = await locate(ctx, b.id, key, opts.versionId);
  return { acl: objectAclOf(rec), versionId: rec.versionId };
}

export function putObjectAcl(ctx: Ctx, bucket: string, key: string, acl: Acl, opts: { versionId?: string } = {}): Promise<{ versionId: string }> {
  try {
    validateAcl(acl);
  } catch (e) {
    return Promise.reject(e);
  }
  return ctx.committer.run(async (tx) => {
    const b = await requireBucket(ctx, bucket);
    const { rec, dbKey } = await locate(ctx, b.id, key, opts.versionId);
    if (acl.owner !== rec.owner) throw accessDenied('The ACL owner must be the object owner');
    checkAclAllowed(accessOf(b), acl, rec.owner);
    const next = { ...rec, acl: cloneAcl(acl) };
    tx.put(dbKey, next);
    stageObjectEvent(ctx, tx, 'ObjectAcl:Put', b.id, key, next);
    return { versionId: rec.versionId };
  });
}
