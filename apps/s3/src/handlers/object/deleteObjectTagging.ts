/** DeleteObjectTagging (DELETE /bucket/key?tagging[&versionId=]): 204. */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { versionIdHeader } from '../../http/versionHeaders';

export const deleteObjectTagging: Handler<VersionParams> = async (c, p) => {
  const r = await c.engine.deleteObjectTagging(c.bucket!.name, c.key!, { versionId: p.versionId });
  return { status: 204, headers: { 'x-amz-version-id': versionIdHeader(c.bucket, r.versionId) } };
};
