/** DeleteBucketCors (DELETE /bucket?cors): 204, also when none was set (as S3). */
import type { Handler } from '../../context';

export const deleteBucketCors: Handler = async (c) => {
  await c.engine.putBucketCors(c.bucket!.name, undefined);
  return { status: 204 };
};
