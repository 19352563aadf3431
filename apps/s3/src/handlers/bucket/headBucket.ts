/** HeadBucket (HEAD /bucket): 200 with the bucket's region; errors are bodiless (HEAD). */
import type { Handler } from '../../context';

export const headBucket: Handler = async (c) => ({
  status: 200,
  headers: { 'x-amz-bucket-region': c.bucket!.region, 'x-amz-access-point-alias': 'false' },
});
