/** DeleteBucketReplication (DELETE /bucket?replication): 204, also when none was set (as S3). */
import type { Handler } from '../../context';

export const deleteBucketReplication: Handler = async (c) => {
  await c.engine.putBucketReplication(c.bucket!.name, undefined);
  return { status: 204 };
};
