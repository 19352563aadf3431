/** AbortMultipartUpload: drops the upload and every part (and their chunk references) in one batch. */
import type { Ctx } from '../context';
import { recheckBucket, requireBucket } from '../buckets/bucketRecord';
import { stageObjectEvent } from '../feed/emit';
import { validateObjectKey } from '../objects/validation';
import { requireUpload, stageDropUpload } from './uploadRecords';

export async function abortMultipartUpload(ctx: Ctx, bucket: string, key: string, uploadId: string): Promise<void> {
  validateObjectKey(key);
  const b = await requireBucket(ctx, bucket);
  await ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    await requireUpload(ctx, b.id, key, uploadId);
    await stageDropUpload(ctx, tx, b.id, key, uploadId);
    stageObjectEvent(ctx, tx, 'MultipartUpload:Abort', b.id, key, undefined, { uploadId });
  });
}
