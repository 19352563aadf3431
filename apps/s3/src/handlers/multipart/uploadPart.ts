/**
 * UploadPart (PUT /bucket/key?partNumber=N&uploadId=U): streams the body into the engine like
 * PutObject (same length rules, Content-MD5 and x-amz-checksum-* header/trailer verification
 * before commit). Re-uploading a part number replaces the part.
 */
import type { BodyDigests } from '@cairn/engine';
import type { Handler } from '../../context';
import type { UploadPartParams } from '../../params/objectParams';
import { checksumHeaderName, parseIntegrity, verifyIntegrity } from '../../http/integrity';
import { openRequestBody } from '../../http/requestBody';
import { declaredLength } from '../object/putObject';

export const uploadPart: Handler<UploadPartParams> = async (c, p) => {
  const { uploadId, partNumber } = p;
  const contentLength = declaredLength(c);
  const integrity = parseIntegrity(c.headers);
  let digests: BodyDigests | undefined;
  const part = await c.engine.uploadPart(c.bucket!.name, c.key!, uploadId, partNumber, openRequestBody(c), {
    contentLength,
    checksumAlgorithm: integrity.algorithm,
    verify: (d) => {
      verifyIntegrity(integrity, d, () => c.auth.trailers());
      digests = d;
    },
    transferBody: true, // socket pieces: nobody else holds them (putObject.ts)
  });
  c.log.bytes = part.size;
  c.log.partNumber = partNumber;
  // The part's stored checksum, or (upload without an algorithm) the one the request had verified.
  const cs = part.checksum ?? (digests?.checksum ? { algorithm: digests.checksum.algorithm, value: digests.checksum.value.toString('base64') } : undefined);
  return {
    status: 200,
    headers: { ETag: `"${part.etag}"`, ...(cs ? { [checksumHeaderName(cs.algorithm)]: cs.value } : {}) },
  };
};
