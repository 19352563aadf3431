/** AbortMultipartUpload (DELETE /bucket/key?uploadId=U): the parts' chunks are released in the same batch. */
import type { Handler } from '../../context';
import type { UploadParams } from '../../params/objectParams';

export const abortMultipartUpload: Handler<UploadParams> = async (c, p) => {
  await c.engine.abortMultipartUpload(c.bucket!.name, c.key!, p.uploadId);
  return { status: 204 };
};
