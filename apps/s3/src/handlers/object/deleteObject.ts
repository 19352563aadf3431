/** DeleteObject (DELETE /bucket/key): 204, also when the key did not exist (as S3 does). */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { versionIdHeader } from '../../http/versionHeaders';
import { bypassGovernance } from '../../http/objectLockHeaders';

/** In a versioned bucket, without versionId this adds a delete marker; with one it removes that version. */
export const deleteObject: Handler<VersionParams> = async (c, p) => {
  const { versionId } = p;
  const r = await c.engine.deleteObject(c.bucket!.name, c.key!, { versionId, owner: c.principal?.userId, bypassGovernance: await bypassGovernance(c) });
  return {
    status: 204,
    headers: {
      'x-amz-delete-marker': r.deleteMarker ? 'true' : undefined,
      'x-amz-version-id': versionIdHeader(c.bucket, r.versionId),
    },
  };
};
