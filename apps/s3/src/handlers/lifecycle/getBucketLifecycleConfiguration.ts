/** GetBucketLifecycleConfiguration (GET /bucket?lifecycle): NoSuchLifecycleConfiguration when none is set. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { s3Error } from '../../errors';
import { renderLifecycleConfiguration } from '../../xml/lifecycleConfiguration';

export const getBucketLifecycleConfiguration: Handler = async (c) => {
  const cfg = await c.engine.getBucketLifecycle(c.bucket!.name);
  if (!cfg) throw s3Error('NoSuchLifecycleConfiguration', undefined, { BucketName: c.bucket!.name });
  return xmlResponse(renderLifecycleConfiguration(cfg));
};
