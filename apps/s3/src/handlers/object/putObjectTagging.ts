/** PutObjectTagging (PUT /bucket/key?tagging[&versionId=]): replaces that version's tag set. */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { versionIdHeader } from '../../http/versionHeaders';
import { parseTagging } from '../../xml/tagging';

export const putObjectTagging: Handler<VersionParams> = async (c, p) => {
  const { versionId } = p;
  const tags = await parseTagging(await readSmallBody(openRequestBody(c), 64 * 1024));
  const r = await c.engine.putObjectTagging(c.bucket!.name, c.key!, tags, { versionId });
  return { status: 200, headers: { 'x-amz-version-id': versionIdHeader(c.bucket, r.versionId) } };
};
