/** AbortMultipartUpload (DELETE /bucket/key?uploadId=U): the parts' chunks are released in the same batch. */
import type { Handler } from '../../context';
import { requireUploadId } from './multipartParams';

export const abortMultipartUpload: Handler = async (c) => {
  await c.engine.abortMultipartUpload(c.bucket!.name, c.key!, requireUploadId(c));
  return { status: 204 };
};
