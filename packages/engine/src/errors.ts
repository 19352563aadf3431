/**
 * Typed engine errors. Each carries an S3 error code from the one table (errorCodes.ts), the
 * extra XML fields S3 puts in the error body, and structured facts about the failure
 * (`deleteMarker`, `lastModified`, `allow`, ...). The HTTP layer maps the code to a status and
 * turns those facts into headers; the engine never speaks HTTP.
 */
import { ERROR_TABLE, type S3ErrorCode } from './errorCodes';

export { ERROR_TABLE, isKnownCode, statusOf, type ErrorSpec, type S3ErrorCode } from './errorCodes';

/** Facts S3 reports alongside some errors (apps/s3 errors.ts renders them as headers). */
export interface S3ErrorDetails {
  /** The addressed (or latest) version is a delete marker (x-amz-delete-marker: true). */
  deleteMarker?: boolean;
  /** The version the failure is about (x-amz-version-id). */
  versionId?: string;
  /** ETag of the object a conditional read was about (NotModified). */
  etag?: string;
  /** Last-Modified of that object (NotModified). */
  lastModified?: Date;
  /** Size of the object a range did not fit (InvalidRange answers a Content-Range naming it). */
  objectSize?: number;
  /** Methods the resource supports (MethodNotAllowed's Allow). */
  allow?: string[];
  /** The request cannot be trusted to be framed right: close the connection after answering. */
  closeConnection?: boolean;
}

export class S3Error extends Error implements S3ErrorDetails {
  readonly code: S3ErrorCode;
  /** Extra fields rendered into the XML error body (e.g. BucketName, Key, ArgumentName). */
  readonly fields: Record<string, string>;
  readonly deleteMarker?: boolean;
  readonly versionId?: string;
  readonly etag?: string;
  readonly lastModified?: Date;
  readonly objectSize?: number;
  readonly allow?: string[];
  readonly closeConnection?: boolean;

  constructor(code: S3ErrorCode, message?: string, fields: Record<string, string> = {}, details: S3ErrorDetails = {}) {
    super(message ?? code);
    this.name = 'S3Error';
    this.code = code;
    this.fields = fields;
    for (const [k, v] of Object.entries(details)) if (v !== undefined) Object.assign(this, { [k]: v });
  }
}

export function isS3Error(e: unknown): e is S3Error {
  return e instanceof S3Error || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'S3Error');
}

/** An S3Error with the table's default message unless one is given. */
export function s3Error(code: S3ErrorCode, message?: string, fields?: Record<string, string>, details?: S3ErrorDetails): S3Error {
  return new S3Error(code, message ?? ERROR_TABLE[code].message, fields, details);
}

// ---- named factories for the common ones (default messages are the table's)

export const noSuchKey = (key: string, details?: S3ErrorDetails): S3Error => s3Error('NoSuchKey', undefined, { Key: key }, details);
export const noSuchBucket = (name: string): S3Error => s3Error('NoSuchBucket', undefined, { BucketName: name });
export const noSuchUpload = (uploadId: string): S3Error => s3Error('NoSuchUpload', undefined, { UploadId: uploadId });
export const noSuchVersion = (key: string, versionId: string): S3Error => s3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
export const accessDenied = (message?: string): S3Error => s3Error('AccessDenied', message);
export const invalidRequest = (message: string): S3Error => s3Error('InvalidRequest', message);
export const malformedXml = (message?: string): S3Error => s3Error('MalformedXML', message);
export const internalError = (message?: string): S3Error => s3Error('InternalError', message);

/** InvalidArgument naming the argument (ArgumentName) and, when given, its value (ArgumentValue). */
export function invalidArgument(message: string, name?: string, value?: unknown): S3Error {
  const fields: Record<string, string> = {};
  if (name !== undefined) fields.ArgumentName = name;
  if (value !== undefined) fields.ArgumentValue = String(value);
  return s3Error('InvalidArgument', message, fields);
}

/** MethodNotAllowed on a resource type (DeleteMarker, OBJECT, ...). */
export const methodNotAllowed = (method: string, resourceType: string, details?: S3ErrorDetails): S3Error =>
  s3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: resourceType }, details);
