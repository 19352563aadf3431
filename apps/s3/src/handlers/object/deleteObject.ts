/** DeleteObject (DELETE /bucket/key): 204, also when the key did not exist (as S3 does). */
import type { Handler } from '../../context';
import { s3Error } from '../../errors';

export const deleteObject: Handler = async (c) => {
  const versionId = c.query.get('versionId') ?? undefined;
  if (versionId === '') throw s3Error('InvalidArgument', 'Version id cannot be the empty string', { ArgumentName: 'versionId', ArgumentValue: '' });
  const r = await c.engine.deleteObject(c.bucket!.name, c.key!, { versionId });
  return {
    status: 204,
    headers: {
      'x-amz-delete-marker': r.deleteMarker ? 'true' : undefined,
      'x-amz-version-id': r.versionId && r.versionId !== 'null' ? r.versionId : undefined,
    },
  };
};
