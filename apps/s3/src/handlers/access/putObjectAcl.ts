/** PutObjectAcl (PUT /bucket/key?acl[&versionId=]): the ACL's owner is the object's owner. */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { requestedAcl } from '../../http/aclBody';

export const putObjectAcl: Handler<VersionParams> = async (c, p) => {
  const { versionId } = p;
  const current = await c.engine.getObjectAcl(c.bucket!.name, c.key!, { versionId });
  const access = await c.engine.getBucketAccess(c.bucket!.name);
  const acl = await requestedAcl(c, { engine: c.engine, owner: current.acl.owner, bucketOwner: access.owner, access });
  const { versionId: vid } = await c.engine.putObjectAcl(c.bucket!.name, c.key!, acl, { versionId });
  return { status: 200, headers: { 'x-amz-version-id': vid !== 'null' ? vid : undefined } };
};
