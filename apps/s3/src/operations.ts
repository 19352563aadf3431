/**
 * THE operation table: every S3 operation, with its method, its target (service / bucket /
 * object), what selects it (subresource query keys, a query value, a header), its handler (or
 * `notImplemented`: a precise 501 in S3's XML rather than a wrong success) and the parser of its
 * query parameters (params/). Each resolved row (`OperationDef`) also carries the operation's
 * authorization facts (IAM action, ACL permission, auth mode) from authz/s3Actions.ts.
 *
 * Why two source tables: handlers call authorize(), which needs the authorization facts; if
 * those lived here, authz → operations → handlers → authz would be an import cycle. So
 * s3Actions.ts (no handler imports) defines the `OperationName` union with the facts, and
 * `ROUTES` below must be `Record<OperationName, Route>`: adding an operation there makes the
 * compiler point here, and a row here without a name there is an error too.
 *
 * Parameters: `op(..., handler, parser)` is generic, so a handler that takes parameters
 * (`Handler<P>`) only type-checks together with a parser producing exactly P; a handler without
 * parameters takes no parser.
 *
 * The resolved operation's name feeds the access log, authorization and tests.
 * Selection: among the entries for (method, target), the matching entry with the most
 * selectors wins (so `PUT ?uploadId&partNumber + x-amz-copy-source` is UploadPartCopy, plain
 * `PUT` with `x-amz-copy-source` is CopyObject, plain `PUT` is PutObject). A method with no
 * entry for the target is 405 MethodNotAllowed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Handler } from './context';
import { actionSpec, type ActionSpec, type AuthMode, type OperationName } from './authz/s3Actions';
import { s3Error } from './errors';
import {
  listBucketsParams,
  listMultipartUploadsParams,
  listObjectsParams,
  listObjectsV2Params,
  listObjectVersionsParams,
  listPartsParams,
} from './params/listingParams';
import { createMultipartUploadParams, objectReadParams, replicaParams, uploadParams, uploadPartParams, versionParams } from './params/objectParams';
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
import { putBucketNotificationConfiguration } from './handlers/notification/putBucketNotificationConfiguration';
import { getBucketNotificationConfiguration } from './handlers/notification/getBucketNotificationConfiguration';
import { putBucketReplication } from './handlers/replication/putBucketReplication';
import { getBucketReplication } from './handlers/replication/getBucketReplication';
import { deleteBucketReplication } from './handlers/replication/deleteBucketReplication';
import { replicateObject } from './handlers/replication/replicateObject';

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
  name: OperationName;
  method: HttpMethod;
  target: Target;
  selector: Selector;
  /** How many selectors the entry has (the most specific match wins). */
  specificity: number;
  /** Makes the handler's typed parameters of the query string (S3's errors for bad values). */
  params: ParamParser<unknown>;
  handler: Handler<unknown>;
  implemented: boolean;
  /** IAM action, ACL permission, resource (authz/s3Actions.ts). */
  access: ActionSpec;
  /** How the dispatcher treats the request's credentials. */
  auth: AuthMode;
}

/** An operation's query-parameter parser. */
export type ParamParser<P> = (query: URLSearchParams) => P;

const noParams: ParamParser<void> = () => undefined;

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

type Route = Omit<OperationDef, 'name' | 'access' | 'auth'>;

/** A row: without a handler it is `notImplemented`; a handler taking parameters needs their parser. */
function op(method: HttpMethod, target: Target, selector?: string, handler?: Handler): Route;
function op<P>(method: HttpMethod, target: Target, selector: string, handler: Handler<P>, params: ParamParser<P>): Route;
function op(method: HttpMethod, target: Target, selector = '', handler: Handler<never> = notImplemented, params: ParamParser<unknown> = noParams): Route {
  const s = parseSelector(selector);
  return {
    method,
    target,
    selector: s,
    specificity: s.queryKeys.length + Object.keys(s.queryValues).length + s.headers.length,
    params,
    // The overloads tied the handler's parameter type to this parser's result.
    handler: handler as Handler<unknown>,
    implemented: handler !== notImplemented,
  };
}

const NI = notImplemented;

/**
 * One row per operation, keyed by its name: `satisfies Record<OperationName, Route>` makes a
 * missing, extra or misspelt name a compile error (the names are authz/s3Actions.ts's keys).
 */
const ROUTES = {
  // ---- service
  ListBuckets: op('GET', 'service', '', listBuckets, listBucketsParams),
  ListDirectoryBuckets: op('GET', 'service', '?x-id=ListDirectoryBuckets', NI),

  // ---- bucket: GET
  ListObjects: op('GET', 'bucket', '', listObjects, listObjectsParams),
  ListObjectsV2: op('GET', 'bucket', '?list-type=2', listObjectsV2, listObjectsV2Params),
  ListObjectVersions: op('GET', 'bucket', '?versions', listObjectVersions, listObjectVersionsParams),
  ListMultipartUploads: op('GET', 'bucket', '?uploads', listMultipartUploads, listMultipartUploadsParams),
  GetBucketLocation: op('GET', 'bucket', '?location', getBucketLocation),
  GetBucketAccelerateConfiguration: op('GET', 'bucket', '?accelerate', NI),
  GetBucketAcl: op('GET', 'bucket', '?acl', getBucketAcl),
  GetBucketAnalyticsConfiguration: op('GET', 'bucket', '?analytics&id', NI),
  ListBucketAnalyticsConfigurations: op('GET', 'bucket', '?analytics', NI),
  GetBucketCors: op('GET', 'bucket', '?cors', getBucketCors),
  GetBucketEncryption: op('GET', 'bucket', '?encryption', NI),
  GetBucketIntelligentTieringConfiguration: op('GET', 'bucket', '?intelligent-tiering&id', NI),
  ListBucketIntelligentTieringConfigurations: op('GET', 'bucket', '?intelligent-tiering', NI),
  GetBucketInventoryConfiguration: op('GET', 'bucket', '?inventory&id', NI),
  ListBucketInventoryConfigurations: op('GET', 'bucket', '?inventory', NI),
  GetBucketLifecycleConfiguration: op('GET', 'bucket', '?lifecycle', getBucketLifecycleConfiguration),
  GetBucketLogging: op('GET', 'bucket', '?logging', NI),
  GetBucketMetricsConfiguration: op('GET', 'bucket', '?metrics&id', NI),
  ListBucketMetricsConfigurations: op('GET', 'bucket', '?metrics', NI),
  GetBucketNotificationConfiguration: op('GET', 'bucket', '?notification', getBucketNotificationConfiguration),
  GetBucketOwnershipControls: op('GET', 'bucket', '?ownershipControls', getBucketOwnershipControls),
  GetBucketPolicy: op('GET', 'bucket', '?policy', getBucketPolicy),
  GetBucketPolicyStatus: op('GET', 'bucket', '?policyStatus', getBucketPolicyStatus),
  GetBucketReplication: op('GET', 'bucket', '?replication', getBucketReplication),
  GetBucketRequestPayment: op('GET', 'bucket', '?requestPayment', getBucketRequestPayment),
  GetBucketTagging: op('GET', 'bucket', '?tagging', getBucketTagging),
  GetBucketVersioning: op('GET', 'bucket', '?versioning', getBucketVersioning),
  GetBucketWebsite: op('GET', 'bucket', '?website', getBucketWebsite),
  GetObjectLockConfiguration: op('GET', 'bucket', '?object-lock', getObjectLockConfiguration),
  GetPublicAccessBlock: op('GET', 'bucket', '?publicAccessBlock', getPublicAccessBlock),
  GetBucketMetadataTableConfiguration: op('GET', 'bucket', '?metadataTable', NI),
  CreateSession: op('GET', 'bucket', '?session', NI),

  // ---- bucket: HEAD
  HeadBucket: op('HEAD', 'bucket', '', headBucket),

  // ---- bucket: PUT
  CreateBucket: op('PUT', 'bucket', '', createBucket),
  PutBucketAccelerateConfiguration: op('PUT', 'bucket', '?accelerate', NI),
  PutBucketAcl: op('PUT', 'bucket', '?acl', putBucketAcl),
  PutBucketAnalyticsConfiguration: op('PUT', 'bucket', '?analytics', NI),
  PutBucketCors: op('PUT', 'bucket', '?cors', putBucketCors),
  PutBucketEncryption: op('PUT', 'bucket', '?encryption', NI),
  PutBucketIntelligentTieringConfiguration: op('PUT', 'bucket', '?intelligent-tiering', NI),
  PutBucketInventoryConfiguration: op('PUT', 'bucket', '?inventory', NI),
  PutBucketLifecycleConfiguration: op('PUT', 'bucket', '?lifecycle', putBucketLifecycleConfiguration),
  PutBucketLogging: op('PUT', 'bucket', '?logging', NI),
  PutBucketMetricsConfiguration: op('PUT', 'bucket', '?metrics', NI),
  PutBucketNotificationConfiguration: op('PUT', 'bucket', '?notification', putBucketNotificationConfiguration),
  PutBucketOwnershipControls: op('PUT', 'bucket', '?ownershipControls', putBucketOwnershipControls),
  PutBucketPolicy: op('PUT', 'bucket', '?policy', putBucketPolicy),
  PutBucketReplication: op('PUT', 'bucket', '?replication', putBucketReplication),
  PutBucketRequestPayment: op('PUT', 'bucket', '?requestPayment', putBucketRequestPayment),
  PutBucketTagging: op('PUT', 'bucket', '?tagging', putBucketTagging),
  PutBucketVersioning: op('PUT', 'bucket', '?versioning', putBucketVersioning),
  PutBucketWebsite: op('PUT', 'bucket', '?website', putBucketWebsite),
  PutObjectLockConfiguration: op('PUT', 'bucket', '?object-lock', putObjectLockConfiguration),
  PutPublicAccessBlock: op('PUT', 'bucket', '?publicAccessBlock', putPublicAccessBlock),

  // ---- bucket: DELETE
  DeleteBucket: op('DELETE', 'bucket', '', deleteBucket),
  DeleteBucketAnalyticsConfiguration: op('DELETE', 'bucket', '?analytics', NI),
  DeleteBucketCors: op('DELETE', 'bucket', '?cors', deleteBucketCors),
  DeleteBucketEncryption: op('DELETE', 'bucket', '?encryption', NI),
  DeleteBucketIntelligentTieringConfiguration: op('DELETE', 'bucket', '?intelligent-tiering', NI),
  DeleteBucketInventoryConfiguration: op('DELETE', 'bucket', '?inventory', NI),
  DeleteBucketLifecycle: op('DELETE', 'bucket', '?lifecycle', deleteBucketLifecycle),
  DeleteBucketMetricsConfiguration: op('DELETE', 'bucket', '?metrics', NI),
  DeleteBucketOwnershipControls: op('DELETE', 'bucket', '?ownershipControls', deleteBucketOwnershipControls),
  DeleteBucketPolicy: op('DELETE', 'bucket', '?policy', deleteBucketPolicy),
  DeleteBucketReplication: op('DELETE', 'bucket', '?replication', deleteBucketReplication),
  DeleteBucketTagging: op('DELETE', 'bucket', '?tagging', deleteBucketTagging),
  DeleteBucketWebsite: op('DELETE', 'bucket', '?website', deleteBucketWebsite),
  DeletePublicAccessBlock: op('DELETE', 'bucket', '?publicAccessBlock', deletePublicAccessBlock),

  // ---- bucket: POST
  DeleteObjects: op('POST', 'bucket', '?delete', deleteObjects),
  PostObject: op('POST', 'bucket', '', postObject),

  // ---- bucket / object: OPTIONS (CORS preflight)
  OptionsBucket: op('OPTIONS', 'bucket', '', corsPreflight),
  OptionsObject: op('OPTIONS', 'object', '', corsPreflight),

  // ---- object: GET / HEAD
  GetObject: op('GET', 'object', '', getObject, objectReadParams),
  GetObjectAcl: op('GET', 'object', '?acl', getObjectAcl, versionParams),
  GetObjectAttributes: op('GET', 'object', '?attributes', getObjectAttributes, versionParams),
  GetObjectLegalHold: op('GET', 'object', '?legal-hold', getObjectLegalHold, versionParams),
  GetObjectRetention: op('GET', 'object', '?retention', getObjectRetention, versionParams),
  GetObjectTagging: op('GET', 'object', '?tagging', getObjectTagging, versionParams),
  GetObjectTorrent: op('GET', 'object', '?torrent', NI),
  ListParts: op('GET', 'object', '?uploadId', listParts, listPartsParams),
  HeadObject: op('HEAD', 'object', '', headObject, objectReadParams),

  // ---- object: PUT
  PutObject: op('PUT', 'object', '', putObject),
  CopyObject: op('PUT', 'object', 'h:x-amz-copy-source', copyObject),
  UploadPart: op('PUT', 'object', '?uploadId&partNumber', uploadPart, uploadPartParams),
  UploadPartCopy: op('PUT', 'object', '?uploadId&partNumber h:x-amz-copy-source', uploadPartCopy, uploadPartParams),
  PutObjectAcl: op('PUT', 'object', '?acl', putObjectAcl, versionParams),
  PutObjectLegalHold: op('PUT', 'object', '?legal-hold', putObjectLegalHold, versionParams),
  PutObjectRetention: op('PUT', 'object', '?retention', putObjectRetention, versionParams),
  PutObjectTagging: op('PUT', 'object', '?tagging', putObjectTagging, versionParams),
  RenameObject: op('PUT', 'object', '?renameObject', NI),
  // Cairn's zone replication write path (not S3): handlers/replication/replicateObject.ts
  ReplicateObject: op('PUT', 'object', '?x-cairn-replica', replicateObject, replicaParams),
  ReplicateDelete: op('PUT', 'object', '?x-cairn-replica-delete', replicateObject, replicaParams),

  // ---- object: POST
  CreateMultipartUpload: op('POST', 'object', '?uploads', createMultipartUpload, createMultipartUploadParams),
  CompleteMultipartUpload: op('POST', 'object', '?uploadId', completeMultipartUpload, uploadParams),
  RestoreObject: op('POST', 'object', '?restore', NI),
  SelectObjectContent: op('POST', 'object', '?select&select-type=2', NI),

  // ---- object: DELETE
  DeleteObject: op('DELETE', 'object', '', deleteObject, versionParams),
  DeleteObjectTagging: op('DELETE', 'object', '?tagging', deleteObjectTagging, versionParams),
  AbortMultipartUpload: op('DELETE', 'object', '?uploadId', abortMultipartUpload, uploadParams),
} satisfies Record<OperationName, Route>;

export const OPERATIONS: readonly OperationDef[] = Object.freeze(
  (Object.entries(ROUTES) as [OperationName, Route][]).map(([name, route]) => {
    const access = actionSpec(name);
    return { name, ...route, access, auth: access.auth ?? 'signed' };
  }),
);

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
