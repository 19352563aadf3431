/** DeleteBucketTagging (DELETE /bucket?tagging): 204, also when there were no tags. */
import type { Handler } from '../../context';

export const deleteBucketTagging: Handler = async (c) => {
  await c.engine.putBucketTagging(c.bucket!.name, []);
  return { status: 204 };
};
