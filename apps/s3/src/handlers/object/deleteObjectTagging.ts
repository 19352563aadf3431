/** DeleteObjectTagging (DELETE /bucket/key?tagging[&versionId=]): 204. */
import type { Handler } from '../../context';
import { queryVersionId, versionIdHeader } from '../../http/versionHeaders';

export const deleteObjectTagging: Handler = async (c) => {
  const r = await c.engine.deleteObjectTagging(c.bucket!.name, c.key!, { versionId: queryVersionId(c.query) });
  return { status: 204, headers: { 'x-amz-version-id': versionIdHeader(c.bucket, r.versionId) } };
};
