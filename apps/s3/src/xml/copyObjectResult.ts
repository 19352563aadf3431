/** `<CopyObjectResult>`: CopyObject response. */
import { buildXml } from './codec';

export interface CopyObjectResultDoc {
  /** Unquoted; quoted here. */
  etag: string;
  lastModified: Date;
  checksum?: { algorithm: string; value: string; type?: string };
}

export function renderCopyObjectResult(d: CopyObjectResultDoc): string {
  const alg = d.checksum ? `Checksum${d.checksum.algorithm}` : undefined;
  return buildXml(
    'CopyObjectResult',
    {
      ETag: `"${d.etag}"`,
      LastModified: d.lastModified,
      ChecksumType: d.checksum?.type,
      ...(alg && d.checksum ? { [alg]: d.checksum.value } : {}),
    },
    { xmlns: true },
  );
}
