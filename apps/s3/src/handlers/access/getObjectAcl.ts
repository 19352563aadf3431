/** GetObjectAcl (GET /bucket/key?acl[&versionId=]). */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { aclResponse } from '../../http/aclResponse';

export const getObjectAcl: Handler<VersionParams> = async (c, p) => {
  const { versionId } = p;
  const { acl, versionId: vid } = await c.engine.getObjectAcl(c.bucket!.name, c.key!, { versionId });
  return aclResponse(c.engine, acl, { 'x-amz-version-id': vid !== 'null' ? vid : undefined });
};
