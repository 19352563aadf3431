/**
 * ListMultipartUploads (GET /bucket?uploads): prefix, delimiter, key-marker, upload-id-marker
 * (only meaningful with key-marker), max-uploads (≤ 1000), encoding-type=url. Ordered by key,
 * then initiation time.
 */
import type { Handler } from '../../context';
import type { ListMultipartUploadsParams } from '../../params/listingParams';
import { xmlResponse } from '../../context';
import { renderListMultipartUploadsResult } from '../../xml/listMultipartUploadsResult';
import { ownerNames } from './multipartParams';

export const listMultipartUploads: Handler<ListMultipartUploadsParams> = async (c, p) => {
  const { keyMarker, uploadIdMarker, maxUploads, prefix, delimiter, encodingType, enc } = p;
  const page = await c.engine.listMultipartUploads(c.bucket!.name, {
    prefix: prefix || undefined,
    delimiter,
    keyMarker: keyMarker || undefined,
    uploadIdMarker: uploadIdMarker || undefined,
    maxUploads,
  });
  const owners = await ownerNames(
    c.engine,
    page.uploads.map((u) => u.owner),
  );
  c.log.uploads = page.uploads.length;
  return xmlResponse(
    renderListMultipartUploadsResult({
      bucket: c.bucket!.name,
      keyMarker: enc(keyMarker),
      uploadIdMarker,
      // S3 sends both on every page ('' when nothing was listed).
      nextKeyMarker: enc(page.nextKeyMarker ?? ''),
      nextUploadIdMarker: page.nextUploadIdMarker ?? '',
      prefix: enc(prefix),
      delimiter: delimiter === undefined ? undefined : enc(delimiter),
      maxUploads,
      isTruncated: page.isTruncated,
      encodingType,
      uploads: page.uploads.map((u) => ({
        key: enc(u.key),
        uploadId: u.uploadId,
        initiator: owners.get(u.owner)!,
        owner: owners.get(u.owner)!,
        storageClass: u.storageClass,
        initiated: u.initiated,
        checksumAlgorithm: u.checksumAlgorithm,
        checksumType: u.checksumType,
      })),
      commonPrefixes: page.commonPrefixes.map(enc),
    }),
  );
};
