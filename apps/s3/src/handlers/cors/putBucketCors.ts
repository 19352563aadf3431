/** PutBucketCors (PUT /bucket?cors): Content-MD5 or a checksum is required, as S3 does. */
import type { Handler } from '../../context';
import { readConfigBody } from '../../http/configBody';
import { parseCorsConfiguration } from '../../xml/corsConfiguration';

export const putBucketCors: Handler = async (c) => {
  const rules = await parseCorsConfiguration(await readConfigBody(c, { requireIntegrity: true }));
  await c.engine.putBucketCors(c.bucket!.name, rules);
  return { status: 200 };
};
