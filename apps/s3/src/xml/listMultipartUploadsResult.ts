/** `<ListMultipartUploadsResult>`: ListMultipartUploads response. Keys/prefixes arrive already encoded for encoding-type=url. */
import { buildXml } from './codec';

export interface UploadEntry {
  key: string;
  uploadId: string;
  initiator: { id: string; displayName: string };
  owner: { id: string; displayName: string };
  storageClass: string;
  initiated: Date;
  checksumAlgorithm?: string;
  checksumType?: string;
}

export interface ListMultipartUploadsResultDoc {
  bucket: string;
  keyMarker: string;
  uploadIdMarker: string;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
  prefix: string;
  delimiter?: string;
  maxUploads: number;
  isTruncated: boolean;
  uploads: UploadEntry[];
  commonPrefixes: string[];
  encodingType?: string;
}

export function renderListMultipartUploadsResult(d: ListMultipartUploadsResultDoc): string {
  return buildXml(
    'ListMultipartUploadsResult',
    {
      Bucket: d.bucket,
      KeyMarker: d.keyMarker,
      UploadIdMarker: d.uploadIdMarker,
      NextKeyMarker: d.nextKeyMarker,
      NextUploadIdMarker: d.nextUploadIdMarker,
      Prefix: d.prefix,
      Delimiter: d.delimiter,
      MaxUploads: d.maxUploads,
      IsTruncated: d.isTruncated,
      EncodingType: d.encodingType,
      Upload: d.uploads.map((u) => ({
        Key: u.key,
        UploadId: u.uploadId,
        Initiator: { ID: u.initiator.id, DisplayName: u.initiator.displayName },
        Owner: { ID: u.owner.id, DisplayName: u.owner.displayName },
        StorageClass: u.storageClass,
        Initiated: u.initiated,
        ChecksumAlgorithm: u.checksumAlgorithm,
        ChecksumType: u.checksumType,
      })),
      CommonPrefixes: d.commonPrefixes.map((p) => ({ Prefix: p })),
    },
    { xmlns: true },
  );
}
