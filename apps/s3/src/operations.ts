/**
 * THE operation table: every S3 operation, with its method, its target (service / bucket /
 * object), what selects it (subresource query keys, a query value, a header) and its handler,
 * or `notImplemented` (a precise 501 in S3's XML rather than a wrong success).
 *
 * The resolved operation's name feeds the access log, authorization and tests.
 * Selection: among the entries for (method, target), the matching entry with the most
 * selectors wins (so `PUT ?uploadId&partNumber + x-amz-copy-source` is UploadPartCopy, plain
 * `PUT` with `x-amz-copy-source` is CopyObject, plain `PUT` is PutObject). A method with no
 * entry for the target is 405 MethodNotAllowed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Handler } from './context';
import { s3Error } from './errors';
import { listBuckets } from './handlers/service/listBuckets';
import { createBucket } from './handlers/bucket/createBucket';
import { deleteBucket } from './handlers/bucket/deleteBucket';
import { headBucket } from './handlers/bucket/headBucket';
import { getBucketLocation } from './handlers/bucket/getBucketLocation';
import { listObjects } from './handlers/bucket/listObjects';
import { listObjectsV2 } from './handlers/bucket/listObjectsV2';
import { deleteObjects } from './handlers/bucket/deleteObjects';
import { putObject } from './handlers/object/putObject';
import { getObject } from './handlers/object/getObject';
import { getObjectAttributes } from './handlers/object/getObjectAttributes';
import { headObject } from './handlers/object/headObject';
import { deleteObject } from './handlers/object/deleteObject';
import { copyObject } from './handlers/object/copyObject';
import { getBucketAcl } from './handlers/access/getBucketAcl';
import { putBucketAcl } from './handlers/access/putBucketAcl';
import { getObjectAcl } from './handlers/access/getObjectAcl';
import { putObjectAcl } from './handlers/access/putObjectAcl';
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from './handlers/access/bucketPolicy';
import { deletePublicAccessBlock, getPublicAccessBlock, putPublicAccessBlock } from './handlers/access/publicAccessBlock';
import { deleteBucketOwnershipControls, getBucketOwnershipControls, putBucketOwnershipControls } from './handlers/access/ownershipControls';
import { createMultipartUpload } from './handlers/multipart/createMultipartUpload';
import { uploadPart } from './handlers/multipart/uploadPart';
import { uploadPartCopy } from './handlers/multipart/uploadPartCopy';
import { listParts } from './handlers/multipart/listParts';
import { completeMultipartUpload } from './handlers/multipart/completeMultipartUpload';
import { abortMultipartUpload } from './handlers/multipart/abortMultipartUpload';
import { listMultipartUploads } from './handlers/multipart/listMultipartUploads';
import { putBucketCors } from './handlers/cors/putBucketCors';
import { getBucketCors } from './handlers/cors/getBucketCors';
import { deleteBucketCors } from './handlers/cors/deleteBucketCors';
import { corsPreflight } from './handlers/cors/corsPreflight';
import { postObject } from './handlers/object/postObject';
import { putBucketRequestPayment } from './handlers/requestPayment/putBucketRequestPayment';
import { getBucketRequestPayment } from './handlers/requestPayment/getBucketRequestPayment';
import { getBucketVersioning } from './handlers/bucket/getBucketVersioning';
import { putBucketVersioning } from './handlers/bucket/putBucketVersioning';
import { listObjectVersions } from './handlers/bucket/listObjectVersions';
import { getBucketTagging } from './handlers/bucket/getBucketTagging';
import { putBucketTagging } from './handlers/bucket/putBucketTagging';
import { deleteBucketTagging } from './handlers/bucket/deleteBucketTagging';
import { getObjectTagging } from './handlers/object/getObjectTagging';
import { putObjectTagging } from './handlers/object/putObjectTagging';
import { deleteObjectTagging } from './handlers/object/deleteObjectTagging';
import { getObjectLockConfiguration } from './handlers/bucket/getObjectLockConfiguration';
import { putObjectLockConfiguration } from './handlers/bucket/putObjectLockConfiguration';
import { getObjectRetention } from './handlers/object/getObjectRetention';
import { putObjectRetention } from './handlers/object/putObjectRetention';
import { putBucketWebsite } from './handlers/website/putBucketWebsite';
import { getBucketWebsite } from './handlers/website/getBucketWebsite';
import { deleteBucketWebsite } from './handlers/website/deleteBucketWebsite';
import { getObjectLegalHold } from './handlers/object/getObjectLegalHold';
import { putObjectLegalHold } from './handlers/object/putObjectLegalHold';
import { putBucketLifecycleConfiguration } from './handlers/lifecycle/putBucketLifecycleConfiguration';
import { getBucketLifecycleConfiguration } from './handlers/lifecycle/getBucketLifecycleConfiguration';
import { deleteBucketLifecycle } from './handlers/lifecycle/deleteBucketLifecycle';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS';
export type Target = 'service' | 'bucket' | 'object';

export interface Selector {
  /** Query keys that must be present (`?acl`, `?uploadId&partNumber`). */
  queryKeys: string[];
  /** Query keys that must have a value (`?list-type=2`). */
  queryValues: Record<string, string>;
  /** Headers that must be present (`x-amz-copy-source`). */
  headers: string[];
}

export interface OperationDef {
  name: string;
  method: HttpMethod;
  target: Target;
  selector: Selector;
  /** How many selectors the entry has (the most specific match wins). */
  specificity: number;
  handler: Handler;
  implemented: boolean;
}

/** The answer for operations Cairn does not implement yet. */
export const notImplemented: Handler = async () => {
  throw s3Error('NotImplemented');
};

/** "?acl", "?list-type=2", "?uploadId&partNumber", "h:x-amz-copy-source", space-separated. */
function parseSelector(spec: string): Selector {
  const sel: Selector = { queryKeys: [], queryValues: {}, headers: [] };
  for (const part of spec.split(' ').filter(Boolean)) {
    if (part.startsWith('h:')) sel.headers.push(part.slice(2).toLowerCase());
    else if (part.startsWith('?')) {
      for (const q of part.slice(1).split('&')) {
        const eq = q.indexOf('=');
        if (eq === -1) sel.queryKeys.push(q);
        else sel.queryValues[q.slice(0, eq)] = q.slice(eq + 1);
      }
    } else throw new Error(`bad selector ${spec}`);
  }
  return sel;
}

function op(name: string, method: HttpMethod, target: Target, selector = '', handler: Handler = notImplemented): OperationDef {
  const s = parseSelector(selector);
  return {
    name,
    method,
    target,
    selector: s,
    specificity: s.queryKeys.length + Object.keys(s.queryValues).length + s.headers.length,
    handler,
    implemented: handler !== notImplemented,
  };
}

const NI = notImplemented;

export const OPERATIONS: readonly OperationDef[] = Object.freeze([
  // ---- service
  op('ListBuckets', 'GET', 'service', '', listBuckets),
  op('ListDirectoryBuckets', 'GET', 'service', '?x-id=ListDirectoryBuckets', NI),

  // ---- bucket: GET
  op('ListObjects', 'GET', 'bucket', '', listObjects),
  op('ListObjectsV2', 'GET', 'bucket', '?list-type=2', listObjectsV2),
  op('ListObjectVersions', 'GET', 'bucket', '?versions', listObjectVersions),
  op('ListMultipartUploads', 'GET', 'bucket', '?uploads', listMultipartUploads),
  op('GetBucketLocation', 'GET', 'bucket', '?location', getBucketLocation),
  op('GetBucketAccelerateConfiguration', 'GET', 'bucket', '?accelerate', NI),
  op('GetBucketAcl', 'GET', 'bucket', '?acl', getBucketAcl),
  op('GetBucketAnalyticsConfiguration', 'GET', 'bucket', '?analytics&id', NI),
  op('ListBucketAnalyticsConfigurations', 'GET', 'bucket', '?analytics', NI),
  op('GetBucketCors', 'GET', 'bucket', '?cors', getBucketCors),
  op('GetBucketEncryption', 'GET', 'bucket', '?encryption', NI),
  op('GetBucketIntelligentTieringConfiguration', 'GET', 'bucket', '?intelligent-tiering&id', NI),
  op('ListBucketIntelligentTieringConfigurations', 'GET', 'bucket', '?intelligent-tiering', NI),
  op('GetBucketInventoryConfiguration', 'GET', 'bucket', '?inventory&id', NI),
  op('ListBucketInventoryConfigurations', 'GET', 'bucket', '?inventory', NI),
  op('GetBucketLifecycleConfiguration', 'GET', 'bucket', '?lifecycle', getBucketLifecycleConfiguration),
  op('GetBucketLogging', 'GET', 'bucket', '?logging', NI),
  op('GetBucketMetricsConfiguration', 'GET', 'bucket', '?metrics&id', NI),
  op('ListBucketMetricsConfigurations', 'GET', 'bucket', '?metrics', NI),
  op('GetBucketNotificationConfiguration', 'GET', 'bucket', '?notification', NI),
  op('GetBucketOwnershipControls', 'GET', 'bucket', '?ownershipControls', getBucketOwnershipControls),
  op('GetBucketPolicy', 'GET', 'bucket', '?policy', getBucketPolicy),
  op('GetBucketPolicyStatus', 'GET', 'bucket', '?policyStatus', getBucketPolicyStatus),
  op('GetBucketReplication', 'GET', 'bucket', '?replication', NI),
  op('GetBucketRequestPayment', 'GET', 'bucket', '?requestPayment', getBucketRequestPayment),
  op('GetBucketTagging', 'GET', 'bucket', '?tagging', getBucketTagging),
  op('GetBucketVersioning', 'GET', 'bucket', '?versioning', getBucketVersioning),
  op('GetBucketWebsite', 'GET', 'bucket', '?website', getBucketWebsite),
  op('GetObjectLockConfiguration', 'GET', 'bucket', '?object-lock', getObjectLockConfiguration),
  op('GetPublicAccessBlock', 'GET', 'bucket', '?publicAccessBlock', getPublicAccessBlock),
  op('GetBucketMetadataTableConfiguration', 'GET', 'bucket', '?metadataTable', NI),
  op('CreateSession', 'GET', 'bucket', '?session', NI),

  // ---- bucket: HEAD
  op('HeadBucket', 'HEAD', 'bucket', '', headBucket),

  // ---- bucket: PUT
  op('CreateBucket', 'PUT', 'bucket', '', createBucket),
  op('PutBucketAccelerateConfiguration', 'PUT', 'bucket', '?accelerate', NI),
  op('PutBucketAcl', 'PUT', 'bucket', '?acl', putBucketAcl),
  op('PutBucketAnalyticsConfiguration', 'PUT', 'bucket', '?analytics', NI),
  op('PutBucketCors', 'PUT', 'bucket', '?cors', putBucketCors),
  op('PutBucketEncryption', 'PUT', 'bucket', '?encryption', NI),
  op('PutBucketIntelligentTieringConfiguration', 'PUT', 'bucket', '?intelligent-tiering', NI),
  op('PutBucketInventoryConfiguration', 'PUT', 'bucket', '?inventory', NI),
  op('PutBucketLifecycleConfiguration', 'PUT', 'bucket', '?lifecycle', putBucketLifecycleConfiguration),
  op('PutBucketLogging', 'PUT', 'bucket', '?logging', NI),
  op('PutBucketMetricsConfiguration', 'PUT', 'bucket', '?metrics', NI),
  op('PutBucketNotificationConfiguration', 'PUT', 'bucket', '?notification', NI),
  op('PutBucketOwnershipControls', 'PUT', 'bucket', '?ownershipControls', putBucketOwnershipControls),
  op('PutBucketPolicy', 'PUT', 'bucket', '?policy', putBucketPolicy),
  op('PutBucketReplication', 'PUT', 'bucket', '?replication', NI),
  op('PutBucketRequestPayment', 'PUT', 'bucket', '?requestPayment', putBucketRequestPayment),
  op('PutBucketTagging', 'PUT', 'bucket', '?tagging', putBucketTagging),
  op('PutBucketVersioning', 'PUT', 'bucket', '?versioning', putBucketVersioning),
  op('PutBucketWebsite', 'PUT', 'bucket', '?website', putBucketWebsite),
  op('PutObjectLockConfiguration', 'PUT', 'bucket', '?object-lock', putObjectLockConfiguration),
  op('PutPublicAccessBlock', 'PUT', 'bucket', '?publicAccessBlock', putPublicAccessBlock),

  // ---- bucket: DELETE
  op('DeleteBucket', 'DELETE', 'bucket', '', deleteBucket),
  op('DeleteBucketAnalyticsConfiguration', 'DELETE', 'bucket', '?analytics', NI),
  op('DeleteBucketCors', 'DELETE', 'bucket', '?cors', deleteBucketCors),
  op('DeleteBucketEncryption', 'DELETE', 'bucket', '?encryption', NI),
  op('DeleteBucketIntelligentTieringConfiguration', 'DELETE', 'bucket', '?intelligent-tiering', NI),
  op('DeleteBucketInventoryConfiguration', 'DELETE', 'bucket', '?inventory', NI),
  op('DeleteBucketLifecycle', 'DELETE', 'bucket', '?lifecycle', deleteBucketLifecycle),
  op('DeleteBucketMetricsConfiguration', 'DELETE', 'bucket', '?metrics', NI),
  op('DeleteBucketOwnershipControls', 'DELETE', 'bucket', '?ownershipControls', deleteBucketOwnershipControls),
  op('DeleteBucketPolicy', 'DELETE', 'bucket', '?policy', deleteBucketPolicy),
  op('DeleteBucketReplication', 'DELETE', 'bucket', '?replication', NI),
  op('DeleteBucketTagging', 'DELETE', 'bucket', '?tagging', deleteBucketTagging),
  op('DeleteBucketWebsite', 'DELETE', 'bucket', '?website', deleteBucketWebsite),
  op('DeletePublicAccessBlock', 'DELETE', 'bucket', '?publicAccessBlock', deletePublicAccessBlock),

  // ---- bucket: POST
  op('DeleteObjects', 'POST', 'bucket', '?delete', deleteObjects),
  op('PostObject', 'POST', 'bucket', '', postObject),

  // ---- bucket / object: OPTIONS (CORS preflight)
  op('OptionsBucket', 'OPTIONS', 'bucket', '', corsPreflight),
  op('OptionsObject', 'OPTIONS', 'object', '', corsPreflight),

  // ---- object: GET / HEAD
  op('GetObject', 'GET', 'object', '', getObject),
  op('GetObjectAcl', 'GET', 'object', '?acl', getObjectAcl),
  op('GetObjectAttributes', 'GET', 'object', '?attributes', getObjectAttributes),
  op('GetObjectLegalHold', 'GET', 'object', '?legal-hold', getObjectLegalHold),
  op('GetObjectRetention', 'GET', 'object', '?retention', getObjectRetention),
  op('GetObjectTagging', 'GET', 'object', '?tagging', getObjectTagging),
  op('GetObjectTorrent', 'GET', 'object', '?torrent', NI),
  op('ListParts', 'GET', 'object', '?uploadId', listParts),
  op('HeadObject', 'HEAD', 'object', '', headObject),

  // ---- object: PUT
  op('PutObject', 'PUT', 'object', '', putObject),
  op('CopyObject', 'PUT', 'object', 'h:x-amz-copy-source', copyObject),
  op('UploadPart', 'PUT', 'object', '?uploadId&partNumber', uploadPart),
  op('UploadPartCopy', 'PUT', 'object', '?uploadId&partNumber h:x-amz-copy-source', uploadPartCopy),
  op('PutObjectAcl', 'PUT', 'object', '?acl', putObjectAcl),
  op('PutObjectLegalHold', 'PUT', 'object', '?legal-hold', putObjectLegalHold),
  op('PutObjectRetention', 'PUT', 'object', '?retention', putObjectRetention),
  op('PutObjectTagging', 'PUT', 'object', '?tagging', putObjectTagging),
  op('RenameObject', 'PUT', 'object', '?renameObject', NI),

  // ---- object: POST
  op('CreateMultipartUpload', 'POST', 'object', '?uploads', createMultipartUpload),
  op('CompleteMultipartUpload', 'POST', 'object', '?uploadId', completeMultipartUpload),
  op('RestoreObject', 'POST', 'object', '?restore', NI),
  op('SelectObjectContent', 'POST', 'object', '?select&select-type=2', NI),

  // ---- object: DELETE
  op('DeleteObject', 'DELETE', 'object', '', deleteObject),
  op('DeleteObjectTagging', 'DELETE', 'object', '?tagging', deleteObjectTagging),
  op('AbortMultipartUpload', 'DELETE', 'object', '?uploadId', abortMultipartUpload),
]);

function matches(def: OperationDef, query: URLSearchParams, headers: IncomingHttpHeaders): boolean {
  const s = def.selector;
  for (const k of s.queryKeys) if (!query.has(k)) return false;
  for (const [k, v] of Object.entries(s.queryValues)) if (query.get(k) !== v) return false;
  for (const h of s.headers) if (headers[h] === undefined) return false;
  return true;
}

/** The operation a request names, or MethodNotAllowed when the method means nothing for the target. */
export function resolveOperation(method: string, target: Target, query: URLSearchParams, headers: IncomingHttpHeaders): OperationDef {
  let best: OperationDef | undefined;
  for (const def of OPERATIONS) {
    if (def.method !== method || def.target !== target || !matches(def, query, headers)) continue;
    if (!best || def.specificity > best.specificity) best = def;
  }
  if (!best) {
    const allow = [...new Set(OPERATIONS.filter((o) => o.target === target).map((o) => o.method))];
    throw s3Error(
      'MethodNotAllowed',
      undefined,
      { Method: method, ResourceType: target === 'service' ? 'SERVICE' : target === 'bucket' ? 'BUCKET' : 'OBJECT' },
      { allow },
    );
  }
  return best;
}

export function operationStats(): { total: number; implemented: number; notImplemented: number } {
  const implemented = OPERATIONS.filter((o) => o.implemented).length;
  return { total: OPERATIONS.length, implemented, notImplemented: OPERATIONS.length - implemented };
}
