/** GetBucketCors (GET /bucket?cors): NoSuchCORSConfiguration when none is set. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { s3Error } from '../../errors';
import { renderCorsConfiguration } from '../../xml/corsConfiguration';

export const getBucketCors: Handler = async (c) => {
  const rules = await c.engine.getBucketCors(c.bucket!.name);
  if (!rules) throw s3Error('NoSuchCORSConfiguration', undefined, { BucketName: c.bucket!.name });
  return xmlResponse(renderCorsConfiguration(rules));
};
