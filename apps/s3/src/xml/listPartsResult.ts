/** `<ListPartsResult>`: ListParts response. */
import { buildXml } from './codec';

export interface ListPartsPart {
  partNumber: number;
  lastModified: Date;
  /** Unquoted; quoted here. */
  etag: string;
  size: number;
  checksum?: { algorithm: string; value: string };
}

export interface ListPartsResultDoc {
  bucket: string;
  /** Already encoded when the request asked for encoding-type=url. */
  key: string;
  uploadId: string;
  partNumberMarker: number;
  nextPartNumberMarker?: number;
  maxParts: number;
  isTruncated: boolean;
  parts: ListPartsPart[];
  initiator: { id: string; displayName: string };
  owner: { id: string; displayName: string };
  storageClass: string;
  checksumAlgorithm?: string;
  checksumType?: string;
  encodingType?: string;
}

export function renderListPartsResult(d: ListPartsResultDoc): string {
  return buildXml(
    'ListPartsResult',
    {
      Bucket: d.bucket,
      Key: d.key,
      UploadId: d.uploadId,
      PartNumberMarker: d.partNumberMarker,
      NextPartNumberMarker: d.nextPartNumberMarker,
      MaxParts: d.maxParts,
      IsTruncated: d.isTruncated,
      EncodingType: d.encodingType,
      Part: d.parts.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: p.lastModified,
        ETag: `"${p.etag}"`,
        Size: p.size,
        ...(p.checksum ? { [`Checksum${p.checksum.algorithm}`]: p.checksum.value } : {}),
      })),
      Initiator: { ID: d.initiator.id, DisplayName: d.initiator.displayName },
      Owner: { ID: d.owner.id, DisplayName: d.owner.displayName },
      StorageClass: d.storageClass,
      ChecksumAlgorithm: d.checksumAlgorithm,
      ChecksumType: d.checksumType,
    },
    { xmlns: true },
  );
}
