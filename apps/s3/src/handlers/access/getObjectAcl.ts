/** GetObjectAcl (GET /bucket/key?acl[&versionId=]). */
import type { Handler } from '../../context';
import { aclResponse } from '../../http/aclResponse';

export const getObjectAcl: Handler = async (c) => {
  const versionId = c.query.get('versionId') ?? undefined;
  const { acl, versionId: vid } = await c.engine.getObjectAcl(c.bucket!.name, c.key!, { versionId });
  return aclResponse(c.engine, acl, { 'x-amz-version-id': vid !== 'null' ? vid : undefined });
};
