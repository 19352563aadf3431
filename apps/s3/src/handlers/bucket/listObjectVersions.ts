/**
 * ListObjectVersions (GET /bucket?versions): prefix, delimiter, key-marker, version-id-marker,
 * max-keys, encoding-type=url. Versions and delete markers interleaved in key order, newest
 * first within a key. The page costs what it returns (see the engine's versionListing.ts).
 */
import type { Handler } from '../../context';
import type { ListObjectVersionsParams } from '../../params/listingParams';
import { xmlResponse } from '../../context';
import { renderListVersionsResult, type VersionEntryDoc } from '../../xml/listVersionsResult';
import { ownerNames } from '../multipart/multipartParams';

export const listObjectVersions: Handler<ListObjectVersionsParams> = async (c, p) => {
  const { keyMarker, versionIdMarker, maxKeys, prefix, delimiter, encodingType, enc } = p;

  const page = await c.engine.listObjectVersions(c.bucket!.name, {
    prefix: prefix || undefined,
    delimiter,
    keyMarker: keyMarker || undefined,
    versionIdMarker: versionIdMarker || undefined,
    maxKeys,
  });
  const owners = await ownerNames(
    c.engine,
    page.entries.map((e) => e.owner),
  );
  const entries: VersionEntryDoc[] = page.entries.map((e) => ({
    deleteMarker: e.deleteMarker,
    key: enc(e.key),
    versionId: e.versionId,
    isLatest: e.isLatest,
    lastModified: e.lastModified,
    owner: owners.get(e.owner)!,
    etag: e.meta?.etag,
    size: e.meta?.size,
    storageClass: e.meta ? (e.meta.storageClass ?? 'STANDARD') : undefined,
    checksumAlgorithm: e.meta?.checksum?.algorithm,
    checksumType: e.meta?.checksum?.type,
  }));
  c.log.keys = entries.length;
  return xmlResponse(
    renderListVersionsResult({
      name: c.bucket!.name,
      prefix: enc(prefix),
      keyMarker: enc(keyMarker),
      versionIdMarker,
      nextKeyMarker: page.nextKeyMarker === undefined ? undefined : enc(page.nextKeyMarker),
      nextVersionIdMarker: page.nextVersionIdMarker,
      maxKeys,
      delimiter: delimiter === undefined ? undefined : enc(delimiter),
      isTruncated: page.isTruncated,
      encodingType,
      entries,
      commonPrefixes: page.commonPrefixes.map(enc),
    }),
  );
};
