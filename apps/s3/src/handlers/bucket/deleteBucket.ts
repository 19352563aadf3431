/** DeleteBucket (DELETE /bucket): 204; BucketNotEmpty while objects remain. */
import type { Handler } from '../../context';

export const deleteBucket: Handler = async (c) => {
  await c.engine.deleteBucket(c.bucket!.name);
  return { status: 204 };
};
