/** Get/Put/DeleteBucketOwnershipControls (Object Ownership). */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { s3Error } from '../../errors';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { parseOwnershipControls, renderOwnershipControls } from '../../xml/ownershipControls';

const MAX_BODY_BYTES = 16 * 1024;

export const getBucketOwnershipControls: Handler = async (c) => {
  const { objectOwnership } = await c.engine.getBucketAccess(c.bucket!.name);
  if (!objectOwnership) throw s3Error('OwnershipControlsNotFoundError', undefined, { BucketName: c.bucket!.name });
  return xmlResponse(renderOwnershipControls(objectOwnership));
};

export const putBucketOwnershipControls: Handler = async (c) => {
  const o = await parseOwnershipControls(await readSmallBody(openRequestBody(c), MAX_BODY_BYTES));
  await c.engine.putBucketOwnershipControls(c.bucket!.name, o);
  return { status: 200 };
};

export const deleteBucketOwnershipControls: Handler = async (c) => {
  await c.engine.putBucketOwnershipControls(c.bucket!.name, undefined);
  return { status: 204 };
};
