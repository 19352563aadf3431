/** `<InitiateMultipartUploadResult>`: CreateMultipartUpload response. */
import { buildXml } from './codec';

export interface InitiateMultipartUploadResultDoc {
  bucket: string;
  /** Already encoded when the request asked for encoding-type=url. */
  key: string;
  uploadId: string;
}

export function renderInitiateMultipartUploadResult(d: InitiateMultipartUploadResultDoc): string {
  return buildXml('InitiateMultipartUploadResult', { Bucket: d.bucket, Key: d.key, UploadId: d.uploadId }, { xmlns: true });
}
