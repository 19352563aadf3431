/** PutBucketAcl (PUT /bucket?acl): canned / grant headers or an AccessControlPolicy body. */
import type { Handler } from '../../context';
import { requestedAcl } from '../../http/aclBody';

export const putBucketAcl: Handler = async (c) => {
  const access = await c.engine.getBucketAccess(c.bucket!.name);
  const acl = await requestedAcl(c, { engine: c.engine, owner: access.owner, access });
  await c.engine.putBucketAcl(c.bucket!.name, acl);
  return { status: 200 };
};
