/**
 * CompleteMultipartUpload (POST /bucket/key?uploadId=U): the XML names the parts in ascending
 * order with their ETags (and checksums); the engine assembles the object from them without
 * copying a byte. Headers: If-Match / If-None-Match: * (conditional complete), x-amz-checksum-*
 * (the whole object's expected checksum), x-amz-checksum-type, x-amz-mp-object-size.
 *
 * Real S3 may fail a Complete after sending 200 (error inside the body); Cairn decides
 * everything before answering, so errors are ordinary error responses.
 */
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '@cairn/engine';
import type { Handler } from '../../context';
import type { UploadParams } from '../../params/objectParams';
import { header, xmlResponse } from '../../context';
import { invalidArgument, invalidRequest } from '../../errors';
import { readSmallBody } from '../../http/body';
import { writeConditions } from '../../http/conditions';
import { checksumHeaderName } from '../../http/integrity';
import { versionIdHeader } from '../../http/versionHeaders';
import { openRequestBody } from '../../http/requestBody';
import { MAX_COMPLETE_BODY_BYTES, parseCompleteMultipartUpload } from '../../xml/completeMultipartUpload';
import { renderCompleteMultipartUploadResult } from '../../xml/completeMultipartUploadResult';
import { checksumTypeHeader, displayChecksum } from './multipartParams';
import { expirationHeaders } from '../../http/expirationHeader';

function expectedChecksum(c: Parameters<Handler>[0]): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const present = CHECKSUM_ALGORITHMS.filter((a) => c.headers[checksumHeaderName(a)] !== undefined);
  if (present.length > 1) throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  return present.length ? { algorithm: present[0], value: header(c, checksumHeaderName(present[0]))! } : undefined;
}

export const completeMultipartUpload: Handler<UploadParams> = async (c, p) => {
  const { uploadId } = p;
  const conditions = writeConditions(c.headers);
  const checksumType = checksumTypeHeader(c);
  const expected = expectedChecksum(c);
  const sizeHeader = header(c, 'x-amz-mp-object-size');
  if (sizeHeader !== undefined && !/^\d+$/.test(sizeHeader.trim())) {
    throw invalidArgument('Invalid x-amz-mp-object-size', 'x-amz-mp-object-size', sizeHeader);
  }
  const body = await readSmallBody(openRequestBody(c), MAX_COMPLETE_BODY_BYTES);
  const parts = await parseCompleteMultipartUpload(body);

  const meta = await c.engine.completeMultipartUpload(
    c.bucket!.name,
    c.key!,
    uploadId,
    parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag, checksum: Object.values(p.checksums)[0] })),
    { conditions, checksumType, expectedChecksum: expected, expectedSize: sizeHeader === undefined ? undefined : Number(sizeHeader) },
  );
  c.log.parts = parts.length;
  c.log.bytes = meta.size;
  // As S3: every character of the key but the unreserved ones percent-encoded (a '/' too).
  const host = header(c, 'host') ?? 'localhost';
  const location = c.route.virtualHostBucket
    ? `http://${host}/${encodeURIComponent(c.key!)}`
    : `http://${host}/${c.bucket!.name}/${encodeURIComponent(c.key!)}`;
  const checksum = meta.checksum
    ? { algorithm: meta.checksum.algorithm, value: displayChecksum(meta.checksum, meta.partSizes?.length), type: meta.checksum.type }
    : undefined;
  return xmlResponse(renderCompleteMultipartUploadResult({ location, bucket: c.bucket!.name, key: c.key!, etag: meta.etag, checksum }), 200, {
    'x-amz-version-id': versionIdHeader(c.bucket, meta.versionId),
    ...(await expirationHeaders(c, c.bucket!.name, meta)),
  });
};
