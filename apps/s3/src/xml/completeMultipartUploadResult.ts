/** `<CompleteMultipartUploadResult>`: CompleteMultipartUpload response. */
import { buildXml } from './codec';

export interface CompleteMultipartUploadResultDoc {
  location: string;
  bucket: string;
  key: string;
  /** Unquoted ("<hex>-<parts>"); quoted here. */
  etag: string;
  /** Value as S3 shows it ("<base64>-<parts>" for composite checksums). */
  checksum?: { algorithm: string; value: string; type: string };
}

export function renderCompleteMultipartUploadResult(d: CompleteMultipartUploadResultDoc): string {
  return buildXml(
    'CompleteMultipartUploadResult',
    {
      Location: d.location,
      Bucket: d.bucket,
      Key: d.key,
      ETag: `"${d.etag}"`,
      ...(d.checksum ? { [`Checksum${d.checksum.algorithm}`]: d.checksum.value, ChecksumType: d.checksum.type } : {}),
    },
    { xmlns: true },
  );
}
