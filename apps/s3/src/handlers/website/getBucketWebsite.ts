/** GetBucketWebsite (GET /bucket?website): NoSuchWebsiteConfiguration when none is set. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { s3Error } from '../../errors';
import { renderWebsiteConfiguration } from '../../xml/websiteConfiguration';

export const getBucketWebsite: Handler = async (c) => {
  const config = await c.engine.getBucketWebsite(c.bucket!.name);
  if (!config) throw s3Error('NoSuchWebsiteConfiguration', undefined, { BucketName: c.bucket!.name });
  return xmlResponse(renderWebsiteConfiguration(config));
};
