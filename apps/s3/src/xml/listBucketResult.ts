/**
 * `<ListBucketResult>`: ListObjects (v1) and ListObjectsV2 responses.
 * Values arrive already encoded when the request asked for encoding-type=url.
 */
import { buildXml, type XmlObject } from './codec';

export interface ListEntry {
  key: string;
  lastModified: Date;
  /** Unquoted; quoted here. */
  etag: string;
  size: number;
  storageClass: string;
  owner?: { id: string; displayName: string };
  checksumAlgorithm?: string;
  checksumType?: string;
}

interface Common {
  name: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  isTruncated: boolean;
  encodingType?: string;
  contents: ListEntry[];
  commonPrefixes: string[];
}

export interface ListBucketV1Doc extends Common {
  marker: string;
  nextMarker?: string;
}

export interface ListBucketV2Doc extends Common {
  keyCount: number;
  continuationToken?: string;
  nextContinuationToken?: string;
  startAfter?: string;
}

function contents(entries: ListEntry[]): XmlObject[] {
  return entries.map((e) => ({
    Key: e.key,
    LastModified: e.lastModified,
    ETag: `"${e.etag}"`,
    ChecksumAlgorithm: e.checksumAlgorithm,
    ChecksumType: e.checksumType,
    Size: e.size,
    Owner: e.owner ? { ID: e.owner.id, DisplayName: e.owner.displayName } : undefined,
    StorageClass: e.storageClass,
  }));
}

function prefixes(ps: string[]): XmlObject[] {
  return ps.map((p) => ({ Prefix: p }));
}

export function renderListBucketResultV1(d: ListBucketV1Doc): string {
  return buildXml(
    'ListBucketResult',
    {
      Name: d.name,
      Prefix: d.prefix,
      Marker: d.marker,
      NextMarker: d.nextMarker,
      MaxKeys: d.maxKeys,
      Delimiter: d.delimiter,
      IsTruncated: d.isTruncated,
      EncodingType: d.encodingType,
      Contents: contents(d.contents),
      CommonPrefixes: prefixes(d.commonPrefixes),
    },
    { xmlns: true },
  );
}

export function renderListBucketResultV2(d: ListBucketV2Doc): string {
  return buildXml(
    'ListBucketResult',
    {
      Name: d.name,
      Prefix: d.prefix,
      MaxKeys: d.maxKeys,
      KeyCount: d.keyCount,
      Delimiter: d.delimiter,
      IsTruncated: d.isTruncated,
      EncodingType: d.encodingType,
      ContinuationToken: d.continuationToken,
      NextContinuationToken: d.nextContinuationToken,
      StartAfter: d.startAfter,
      Contents: contents(d.contents),
      CommonPrefixes: prefixes(d.commonPrefixes),
    },
    { xmlns: true },
  );
}
