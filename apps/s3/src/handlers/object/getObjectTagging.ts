/** GetObjectTagging (GET /bucket/key?tagging[&versionId=]). */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { xmlResponse } from '../../context';
import { versionIdHeader } from '../../http/versionHeaders';
import { renderTagging } from '../../xml/tagging';

export const getObjectTagging: Handler<VersionParams> = async (c, p) => {
  const r = await c.engine.getObjectTagging(c.bucket!.name, c.key!, { versionId: p.versionId });
  return xmlResponse(renderTagging(r.tags), 200, { 'x-amz-version-id': versionIdHeader(c.bucket, r.versionId) });
};
