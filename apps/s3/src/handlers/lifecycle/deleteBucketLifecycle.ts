/** DeleteBucketLifecycle (DELETE /bucket?lifecycle): 204, also when none was set (as S3). */
import type { Handler } from '../../context';

export const deleteBucketLifecycle: Handler = async (c) => {
  await c.engine.putBucketLifecycle(c.bucket!.name, undefined);
  return { status: 204 };
};
