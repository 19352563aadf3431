/** PutBucketWebsite (PUT /bucket?website): replaces the whole configuration; the owner's alone (s3:PutBucketWebsite). */
import type { Handler } from '../../context';
import { readConfigBody } from '../../http/configBody';
import { parseWebsiteConfiguration } from '../../xml/websiteConfiguration';

export const putBucketWebsite: Handler = async (c) => {
  const config = await parseWebsiteConfiguration(await readConfigBody(c));
  await c.engine.putBucketWebsite(c.bucket!.name, config);
  return { status: 200 };
};
