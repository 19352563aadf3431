/**
 * CreateBucket (PUT /bucket). Optional CreateBucketConfiguration body: a LocationConstraint
 * must be absent, empty, or the server's region (a server answers for one region);
 * anything else is InvalidLocationConstraint. Location: /bucket.
 */
import type { Handler } from '../../context';
import { s3Error } from '../../errors';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { rejectUnsupportedCreateBucketHeaders } from '../../http/unsupportedHeaders';
import { parseCreateBucketConfiguration } from '../../xml/createBucketConfiguration';

const MAX_CONFIGURATION_BYTES = 64 * 1024;

export const createBucket: Handler = async (c) => {
  const name = c.bucketName!;
  rejectUnsupportedCreateBucketHeaders(c.headers);
  const body = await readSmallBody(openRequestBody(c), MAX_CONFIGURATION_BYTES);
  let region = c.config.region;
  if (body.length > 0 && body.toString('utf8').trim() !== '') {
    const conf = await parseCreateBucketConfiguration(body);
    const lc = conf.locationConstraint;
    if (lc !== undefined && lc !== '') {
      if (lc !== c.config.region) {
        throw s3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', { LocationConstraint: lc });
      }
      region = lc;
    }
  }
  await c.engine.createBucket(name, { owner: c.principal!.userId, region });
  return { status: 200, headers: { Location: `/${name}` } };
};
