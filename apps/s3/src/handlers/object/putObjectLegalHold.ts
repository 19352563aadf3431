/** PutObjectLegalHold (PUT /bucket/key?legal-hold[&versionId=]). */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { versionIdHeader } from '../../http/versionHeaders';
import { parseLegalHold } from '../../xml/objectLock';

export const putObjectLegalHold: Handler<VersionParams> = async (c, p) => {
  const { versionId } = p;
  const on = await parseLegalHold(await readSmallBody(openRequestBody(c), 64 * 1024));
  const r = await c.engine.putObjectLegalHold(c.bucket!.name, c.key!, on, { versionId });
  return { status: 200, headers: { 'x-amz-version-id': versionIdHeader(c.bucket, r.versionId) } };
};
