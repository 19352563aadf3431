/** PutObjectRetention (PUT /bucket/key?retention[&versionId=]); x-amz-bypass-governance-retention to weaken GOVERNANCE. */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { readSmallBody } from '../../http/body';
import { openRequestBody } from '../../http/requestBody';
import { bypassGovernance } from '../../http/objectLockHeaders';
import { versionIdHeader } from '../../http/versionHeaders';
import { parseRetention } from '../../xml/objectLock';

export const putObjectRetention: Handler<VersionParams> = async (c, p) => {
  const { versionId } = p;
  const retention = await parseRetention(await readSmallBody(openRequestBody(c), 64 * 1024));
  const r = await c.engine.putObjectRetention(c.bucket!.name, c.key!, retention, { versionId, bypassGovernance: await bypassGovernance(c) });
  return { status: 200, headers: { 'x-amz-version-id': versionIdHeader(c.bucket, r.versionId) } };
};
