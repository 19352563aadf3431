/** GetObjectTagging (GET /bucket/key?tagging[&versionId=]). */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { queryVersionId, versionIdHeader } from '../../http/versionHeaders';
import { renderTagging } from '../../xml/tagging';

export const getObjectTagging: Handler = async (c) => {
  const r = await c.engine.getObjectTagging(c.bucket!.name, c.key!, { versionId: queryVersionId(c.query) });
  return xmlResponse(renderTagging(r.tags), 200, { 'x-amz-version-id': versionIdHeader(c.bucket, r.versionId) });
};
