/**
 * `<GetObjectAttributesResponse>`: the GetObjectAttributes document. Only the attributes the
 * request named are present, in S3's order: ETag (unquoted), Checksum (with ChecksumType),
 * ObjectParts (paged; per-part checksums), StorageClass, ObjectSize.
 */
import type { ChecksumAlgorithm } from '@cairn/engine';
import { buildXml, type XmlObject } from './codec';

export interface ObjectAttributesPart {
  partNumber: number;
  size: number;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

export interface ObjectAttributesDoc {
  etag?: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type: string };
  objectParts?: {
    partsCount: number;
    partNumberMarker: number;
    nextPartNumberMarker?: number;
    maxParts: number;
    isTruncated: boolean;
    parts: ObjectAttributesPart[];
  };
  storageClass?: string;
  objectSize?: number;
}

export function renderGetObjectAttributesOutput(d: ObjectAttributesDoc): string {
  const op = d.objectParts;
  const body: XmlObject = {
    ETag: d.etag,
    Checksum: d.checksum ? { [`Checksum${d.checksum.algorithm}`]: d.checksum.value, ChecksumType: d.checksum.type } : undefined,
    ObjectParts: op
      ? {
          PartsCount: op.partsCount,
          PartNumberMarker: op.partNumberMarker,
          NextPartNumberMarker: op.nextPartNumberMarker,
          MaxParts: op.maxParts,
          IsTruncated: op.isTruncated,
          Part: op.parts.map((p) => ({
            PartNumber: p.partNumber,
            Size: p.size,
            ...(p.checksum ? { [`Checksum${p.checksum.algorithm}`]: p.checksum.value } : {}),
          })),
        }
      : undefined,
    StorageClass: d.storageClass,
    ObjectSize: d.objectSize,
  };
  return buildXml('GetObjectAttributesResponse', body, { xmlns: true });
}
