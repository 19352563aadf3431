/** PutBucketLifecycleConfiguration (PUT /bucket?lifecycle): Content-MD5 or a checksum is required, as S3 does. */
import type { Handler } from '../../context';
import { readConfigBody } from '../../http/configBody';
import { parseLifecycleConfiguration } from '../../xml/lifecycleConfiguration';

export const putBucketLifecycleConfiguration: Handler = async (c) => {
  const cfg = await parseLifecycleConfiguration(await readConfigBody(c, { requireIntegrity: true }));
  await c.engine.putBucketLifecycle(c.bucket!.name, cfg);
  return { status: 200 };
};
