/** ListParts (GET /bucket/key?uploadId=U): part-number-marker / max-parts paging (max 1000 a page). */
import type { Handler } from '../../context';
import type { ListPartsParams } from '../../params/listingParams';
import { xmlResponse } from '../../context';
import { encoderFor } from '../../http/urlEncoding';
import { renderListPartsResult } from '../../xml/listPartsResult';
import { ownerNames } from './multipartParams';

export const listParts: Handler<ListPartsParams> = async (c, p) => {
  const { uploadId, maxParts, partNumberMarker: marker, encodingType } = p;
  const res = await c.engine.listParts(c.bucket!.name, c.key!, uploadId, { partNumberMarker: marker, maxParts });
  const owner = (await ownerNames(c.engine, [res.upload.owner])).get(res.upload.owner)!;
  c.log.parts = res.parts.length;
  return xmlResponse(
    renderListPartsResult({
      bucket: c.bucket!.name,
      key: encoderFor(encodingType)(c.key!),
      uploadId,
      partNumberMarker: marker,
      nextPartNumberMarker: res.nextPartNumberMarker ?? marker,
      maxParts,
      isTruncated: res.isTruncated,
      parts: res.parts.map((p) => ({ partNumber: p.partNumber, lastModified: p.lastModified, etag: p.etag, size: p.size, checksum: p.checksum })),
      initiator: owner,
      owner,
      storageClass: res.upload.storageClass,
      checksumAlgorithm: res.upload.checksumAlgorithm,
      checksumType: res.upload.checksumType,
      encodingType,
    }),
  );
};
