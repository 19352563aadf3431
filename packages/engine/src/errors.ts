/**
 * Typed engine errors. Each carries the S3 error code that describes it; the HTTP
 * layer maps the code to a status and renders the XML. The engine never speaks HTTP.
 */
export type S3ErrorCode =
  | 'AccessDenied'
  | 'BadDigest'
  | 'BucketAlreadyExists'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketNotEmpty'
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidArgument'
  | 'InvalidBucketName'
  | 'InvalidDigest'
  | 'InvalidObjectName'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'InvalidRange'
  | 'InvalidRequest'
  | 'InvalidStorageClass'
  | 'KeyTooLongError'
  | 'MalformedXML'
  | 'MetadataTooLarge'
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'NoSuchVersion'
  | 'NotModified'
  | 'PreconditionFailed'
  | 'RequestTimeout'
  | 'UserSuspended'
  | 'InvalidAccessKeyId'
  | 'XAmzContentChecksumMismatch'
  | (string & {});

export class S3Error extends Error {
  readonly code: S3ErrorCode;
  /** Extra fields rendered into the XML error body (e.g. BucketName, Key, ArgumentName). */
  readonly fields: Record<string, string>;
  /** Extra response headers S3 sends with this error (e.g. Last-Modified on 304). */
  readonly headers: Record<string, string>;

  constructor(code: S3ErrorCode, message?: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    super(message ?? code);
    this.name = 'S3Error';
    this.code = code;
    this.fields = fields;
    this.headers = headers;
  }
}

export function isS3Error(e: unknown): e is S3Error {
  return e instanceof S3Error || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'S3Error');
}
