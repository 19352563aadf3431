/**
 * CreateMultipartUpload (POST /bucket/key?uploads): the object's content headers, user metadata,
 * storage class and checksum algorithm / type are fixed now and applied at Complete.
 */
import type { Handler } from '../../context';
import type { CreateMultipartUploadParams } from '../../params/objectParams';
import { xmlResponse } from '../../context';
import { requestContentHeaders, requestStorageClass, requestUserMetadata } from '../../http/objectHeaders';
import { rejectUnsupportedObjectWriteHeaders } from '../../http/unsupportedHeaders';
import { ANONYMOUS_OWNER, objectWriteAcl } from '../../http/aclRequest';
import { encoderFor } from '../../http/urlEncoding';
import { requestTags } from '../../http/taggingHeader';
import { requestObjectLock } from '../../http/objectLockHeaders';
import { renderInitiateMultipartUploadResult } from '../../xml/initiateMultipartUploadResult';
import { checksumAlgorithmHeader, checksumTypeHeader } from './multipartParams';

export const createMultipartUpload: Handler<CreateMultipartUploadParams> = async (c, p) => {
  rejectUnsupportedObjectWriteHeaders(c.headers);
  const { encodingType } = p;
  const { owner, acl } = await objectWriteAcl(c.engine, c.headers, c.bucket!.name, c.principal?.userId ?? ANONYMOUS_OWNER);
  const upload = await c.engine.createMultipartUpload(c.bucket!.name, c.key!, {
    owner,
    acl,
    ...requestContentHeaders(c.headers),
    userMetadata: requestUserMetadata(c.headers),
    storageClass: requestStorageClass(c.headers),
    checksumAlgorithm: checksumAlgorithmHeader(c),
    checksumType: checksumTypeHeader(c),
    tags: requestTags(c.headers),
    lock: requestObjectLock(c.headers),
  });
  c.log.uploadId = upload.uploadId;
  return xmlResponse(renderInitiateMultipartUploadResult({ bucket: c.bucket!.name, key: encoderFor(encodingType)(c.key!), uploadId: upload.uploadId }), 200, {
    'x-amz-checksum-algorithm': upload.checksumAlgorithm,
    'x-amz-checksum-type': upload.checksumType,
  });
};
