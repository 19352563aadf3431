/** DeleteBucketWebsite (DELETE /bucket?website): 204, also when none was set (as S3). */
import type { Handler } from '../../context';

export const deleteBucketWebsite: Handler = async (c) => {
  await c.engine.putBucketWebsite(c.bucket!.name, undefined);
  return { status: 204 };
};
