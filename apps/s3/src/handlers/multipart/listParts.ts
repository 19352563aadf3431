/** ListParts (GET /bucket/key?uploadId=U): part-number-marker / max-parts paging (max 1000 a page). */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { encoderFor } from '../../http/urlEncoding';
import { renderListPartsResult } from '../../xml/listPartsResult';
import { parseEncodingType } from '../bucket/listingParams';
import { intParam, ownerNames, requireUploadId } from './multipartParams';

export const listParts: Handler = async (c) => {
  const uploadId = requireUploadId(c);
  const maxParts = Math.min(intParam(c, 'max-parts') ?? 1000, 1000);
  const marker = intParam(c, 'part-number-marker') ?? 0;
  const encodingType = parseEncodingType(c.query.get('encoding-type'));
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
