/**
 * CreateBucket (PUT /bucket). Optional CreateBucketConfiguration body: a LocationConstraint
 * must be absent, empty, or the server's region (a server answers for one region);
 * anything else is InvalidLocationConstraint. Location: /bucket. Re-creating a bucket you own is
 * 409 BucketAlreadyOwnedByYou, except in us-east-1 (200, as S3 there).
 */
import { isOwnerOnlyAcl, privateAcl, type ObjectOwnership } from '@cairn/engine';
import type { Handler } from '../../context';
import { header } from '../../context';
import { aclFromHeaders } from '../../http/aclRequest';
import { s3Error, invalidArgument } from '../../errors';
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
  const owner = c.principal!.userId;
  const objectOwnership = header(c, 'x-amz-object-ownership');
  if (objectOwnership !== undefined && !['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'].includes(objectOwnership)) {
    throw invalidArgument('Invalid x-amz-object-ownership header', 'x-amz-object-ownership', objectOwnership);
  }
  const acl = await aclFromHeaders(c.headers, { engine: c.engine, owner });
  if (acl && objectOwnership === 'BucketOwnerEnforced' && !isOwnerOnlyAcl(acl, owner)) throw s3Error('InvalidBucketAclWithObjectOwnership');
  const objectLockEnabled = (header(c, 'x-amz-bucket-object-lock-enabled') ?? '').trim().toLowerCase() === 'true';
  try {
    await c.engine.createBucket(name, { owner, region, acl, objectOwnership: objectOwnership as ObjectOwnership | undefined, objectLockEnabled });
  } catch (e) {
    // S3's us-east-1 legacy: re-creating a bucket you own answers 200 and resets its ACL; elsewhere 409.
    if ((e as { code?: string }).code !== 'BucketAlreadyOwnedByYou' || c.config.region !== 'us-east-1') throw e;
    await c.engine.putBucketAcl(name, acl ?? privateAcl(owner));
  }
  return { status: 200, headers: { Location: `/${name}` } };
};
