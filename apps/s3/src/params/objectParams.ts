/**
 * The query parameters of object and multipart operations, one typed parser per shape (the
 * operation table, operations.ts, names the parser of each operation).
 */
import { encodingTypeParam, partNumberParam, responseOverridesParam, uploadIdParam, versionIdParam } from './queryValues';

/** Operations on one version of an object: DeleteObject, tagging, ACL, retention, legal hold, attributes. */
export interface VersionParams {
  versionId?: string;
}

export const versionParams = (q: URLSearchParams): VersionParams => ({ versionId: versionIdParam(q) });

/** GetObject / HeadObject. */
export interface ObjectReadParams {
  versionId?: string;
  /** Read just this part (1..10000) of the object. */
  partNumber?: number;
  /** header name → value, from the response-* parameters (signed requests only: checked when applied). */
  responseOverrides: Record<string, string>;
}

export function objectReadParams(q: URLSearchParams): ObjectReadParams {
  const versionId = versionIdParam(q);
  return { versionId, partNumber: partNumberParam(q, false), responseOverrides: responseOverridesParam(q) };
}

/** CompleteMultipartUpload / AbortMultipartUpload. */
export interface UploadParams {
  uploadId: string;
}

export const uploadParams = (q: URLSearchParams): UploadParams => ({ uploadId: uploadIdParam(q) });

/** UploadPart / UploadPartCopy. */
export interface UploadPartParams {
  uploadId: string;
  partNumber: number;
}

export function uploadPartParams(q: URLSearchParams): UploadPartParams {
  const uploadId = uploadIdParam(q);
  return { uploadId, partNumber: partNumberParam(q, true) };
}

/** CreateMultipartUpload: encoding-type applies to the Key in its response. */
export interface CreateMultipartUploadParams {
  encodingType: 'url' | undefined;
}

/** Cairn's replica writes (ReplicateObject / ReplicateDelete): which of the two the request is. */
export interface ReplicaParams {
  deleteMarker: boolean;
}

export const replicaParams = (q: URLSearchParams): ReplicaParams => ({ deleteMarker: q.has('x-cairn-replica-delete') });

export const createMultipartUploadParams = (q: URLSearchParams): CreateMultipartUploadParams => ({ encodingType: encodingTypeParam(q) });
