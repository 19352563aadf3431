/**
 * Object and bucket tag sets. An object's tags live in its version record (O/ or V/), so they
 * follow the version; changing them rewrites only that record (one batch, no chunk changes).
 */
import { stageObjectEvent } from '../feed/emit';
import { S3Error } from '../errors';
import type { Ctx } from '../context';
import { recheckBucket, requireBucket, updateBucket } from '../buckets/bucketRecord';
import { locate, validateVersionId } from '../versions/versions';
import { fromStoredTags, toStoredTags, validateTags } from './tags';
import { validateObjectKey } from '../objects/validation';
import type { Tag } from '../types';

function check(key: string, versionId: string | undefined): void {
  validateObjectKey(key);
  if (versionId !== undefined) validateVersionId(versionId);
}

async function setTags(
  ctx: Ctx,
  bucket: string,
  key: string,
  tags: Tag[] | undefined,
  versionId: string | undefined,
  method: string,
): Promise<{ versionId: string }> {
  check(key, versionId);
  const b = await requireBucket(ctx, bucket);
  return ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    const loc = await locate(ctx, b.id, key, versionId, method);
    const rec = { ...loc.rec };
    if (tags?.length) rec.tags = toStoredTags(tags);
    else delete rec.tags;
    tx.put(loc.dbKey, rec);
    stageObjectEvent(ctx, tx, tags?.length ? 'ObjectTagging:Put' : 'ObjectTagging:Delete', b.id, key, rec);
    return { versionId: rec.versionId };
  });
}

export function putObjectTagging(ctx: Ctx, bucket: string, key: string, tags: Tag[], opts: { versionId?: string } = {}): Promise<{ versionId: string }> {
  const versionId = opts.versionId;
  try {
    validateTags(tags, 'object');
  } catch (e) {
    return Promise.reject(e);
  }
  return setTags(ctx, bucket, key, tags, versionId, 'PUT');
}

export function deleteObjectTagging(ctx: Ctx, bucket: string, key: string, opts: { versionId?: string } = {}): Promise<{ versionId: string }> {
  const versionId = opts.versionId;
  return setTags(ctx, bucket, key, undefined, versionId, 'DELETE');
}

export async function getObjectTagging(ctx: Ctx, bucket: string, key: string, opts: { versionId?: string } = {}): Promise<{ versionId: string; tags: Tag[] }> {
  const versionId = opts.versionId;
  check(key, versionId);
  const b = await requireBucket(ctx, bucket);
  const loc = await locate(ctx, b.id, key, versionId, 'GET');
  return { versionId: loc.rec.versionId, tags: fromStoredTags(loc.rec.tags) };
}

export function putBucketTagging(ctx: Ctx, bucket: string, tags: Tag[]): Promise<void> {
  try {
    validateTags(tags, 'bucket');
  } catch (e) {
    return Promise.reject(e);
  }
  return updateBucket(ctx, bucket, (r) => {
    if (tags.length) r.tags = toStoredTags(tags);
    else delete r.tags;
    return r;
  });
}

export async function getBucketTagging(ctx: Ctx, bucket: string): Promise<Tag[]> {
  const b = await requireBucket(ctx, bucket);
  if (!b.tags?.length) throw new S3Error('NoSuchTagSet', 'The TagSet does not exist', { BucketName: bucket });
  return fromStoredTags(b.tags);
}
