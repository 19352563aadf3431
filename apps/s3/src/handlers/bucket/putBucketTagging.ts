/** PutBucketTagging (PUT /bucket?tagging): replaces the whole tag set (S3's limits: engine tags.ts). */
import type { Handler } from '../../context';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { parseTagging } from '../../xml/tagging';

export const putBucketTagging: Handler = async (c) => {
  const tags = await parseTagging(await readSmallBody(openRequestBody(c), 256 * 1024));
  await c.engine.putBucketTagging(c.bucket!.name, tags);
  return { status: 204 };
};
