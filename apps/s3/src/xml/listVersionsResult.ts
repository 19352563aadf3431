/**
 * `<ListVersionsResult>`: ListObjectVersions response. Version and DeleteMarker elements are
 * interleaved in listing order (key ascending, newest first within a key) as S3 sends them, so
 * they are built one by one and spliced in where the placeholder element sits.
 * Values arrive already encoded when the request asked for encoding-type=url.
 */
import { buildXml, type XmlObject } from './codec';

export interface VersionEntryDoc {
  deleteMarker: boolean;
  key: string;
  versionId: string;
  isLatest: boolean;
  lastModified: Date;
  owner: { id: string; displayName: string };
  /** Versions only (unquoted; quoted here). */
  etag?: string;
  size?: number;
  storageClass?: string;
  checksumAlgorithm?: string;
  checksumType?: string;
}

export interface ListVersionsDoc {
  name: string;
  prefix: string;
  keyMarker: string;
  versionIdMarker: string;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
  maxKeys: number;
  delimiter?: string;
  isTruncated: boolean;
  encodingType?: string;
  entries: VersionEntryDoc[];
  commonPrefixes: string[];
}

const PLACEHOLDER = 'CairnVersionEntries';
const DECL = /^<\?xml[^>]*\?>/;

function entry(e: VersionEntryDoc): string {
  // Element order of S3's documented example.
  const head: XmlObject = { Key: e.key, VersionId: e.versionId, IsLatest: e.isLatest, LastModified: e.lastModified };
  const owner = { ID: e.owner.id, DisplayName: e.owner.displayName };
  const body: XmlObject = e.deleteMarker
    ? { ...head, Owner: owner }
    : {
        ...head,
        ETag: `"${e.etag}"`,
        ChecksumAlgorithm: e.checksumAlgorithm,
        ChecksumType: e.checksumType,
        Size: e.size,
        StorageClass: e.storageClass,
        Owner: owner,
      };
  return buildXml(e.deleteMarker ? 'DeleteMarker' : 'Version', body).replace(DECL, '');
}

export function renderListVersionsResult(d: ListVersionsDoc): string {
  const xml = buildXml(
    'ListVersionsResult',
    {
      Name: d.name,
      Prefix: d.prefix,
      KeyMarker: d.keyMarker,
      VersionIdMarker: d.versionIdMarker,
      NextKeyMarker: d.nextKeyMarker,
      NextVersionIdMarker: d.nextVersionIdMarker,
      MaxKeys: d.maxKeys,
      Delimiter: d.delimiter,
      IsTruncated: d.isTruncated,
      EncodingType: d.encodingType,
      [PLACEHOLDER]: 'x',
      CommonPrefixes: d.commonPrefixes.map((p) => ({ Prefix: p })),
    },
    { xmlns: true },
  );
  return xml.replace(`<${PLACEHOLDER}>x</${PLACEHOLDER}>`, () => d.entries.map(entry).join(''));
}
