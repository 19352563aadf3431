/** `<CopyPartResult>`: UploadPartCopy response. */
import { buildXml } from './codec';

export interface CopyPartResultDoc {
  /** Unquoted; quoted here. */
  etag: string;
  lastModified: Date;
  checksum?: { algorithm: string; value: string };
}

export function renderCopyPartResult(d: CopyPartResultDoc): string {
  return buildXml(
    'CopyPartResult',
    {
      ETag: `"${d.etag}"`,
      LastModified: d.lastModified,
      ...(d.checksum ? { [`Checksum${d.checksum.algorithm}`]: d.checksum.value } : {}),
    },
    { xmlns: true },
  );
}
