/**
 * THE table of error codes: code → HTTP status → default message (AWS's "Error responses"
 * table, plus the few codes S3 uses that the table omits, plus Cairn's account codes). It
 * defines the `S3ErrorCode` union, so a code outside it is a compile error. The engine never
 * speaks HTTP; the status column is for the adapters (apps/s3 errors.ts, apps/admin).
 */
export interface ErrorSpec {
  status: number;
  message: string;
}

const T = (status: number, message: string): ErrorSpec => ({ status, message });

export const ERROR_TABLE = Object.freeze({
  AccessControlListNotSupported: T(400, 'The bucket does not allow ACLs.'),
  AccessDenied: T(403, 'Access Denied'),
  AccessForbidden: T(403, 'CORSResponse: This CORS request is not allowed.'),
  AccountProblem: T(403, 'There is a problem with your account that prevents the action from completing successfully.'),
  AllAccessDisabled: T(403, 'All access to this Amazon S3 resource has been disabled.'),
  AmbiguousGrantByEmailAddress: T(400, 'The email address you provided is associated with more than one account.'),
  AuthorizationHeaderMalformed: T(400, 'The authorization header you provided is invalid.'),
  AuthorizationQueryParametersError: T(400, 'The authorization query parameters you provided are invalid.'),
  BadRequest: T(400, 'Bad Request'),
  BadDigest: T(400, 'The Content-MD5 you specified did not match what we received.'),
  BucketAlreadyExists: T(
    409,
    'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
  ),
  BucketAlreadyOwnedByYou: T(409, 'Your previous request to create the named bucket succeeded and you already own it.'),
  BucketNotEmpty: T(409, 'The bucket you tried to delete is not empty'),
  ConditionalRequestConflict: T(
    409,
    'A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.',
  ),
  CredentialsNotSupported: T(400, 'This request does not support credentials.'),
  CrossLocationLoggingProhibited: T(403, 'Cross-location logging not allowed.'),
  EntityTooLarge: T(400, 'Your proposed upload exceeds the maximum allowed object size.'),
  EntityTooSmall: T(400, 'Your proposed upload is smaller than the minimum allowed object size.'),
  ExpiredToken: T(400, 'The provided token has expired.'),
  IllegalLocationConstraintException: T(400, 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.'),
  IllegalVersioningConfigurationException: T(400, 'The versioning configuration specified in the request is invalid.'),
  IncompleteBody: T(400, 'You did not provide the number of bytes specified by the Content-Length HTTP header'),
  IncorrectNumberOfFilesInPostRequest: T(400, 'POST requires exactly one file upload per request.'),
  InlineDataTooLarge: T(400, 'Inline data exceeds the maximum allowed size.'),
  InsufficientStorage: T(507, 'The server does not have enough storage space to complete the request.'), // Cairn: disk full (ENOSPC / EDQUOT); MinIO answers 507 too
  InternalError: T(500, 'We encountered an internal error. Please try again.'),
  InvalidAccessKeyId: T(403, 'The AWS Access Key Id you provided does not exist in our records.'),
  InvalidAddressingHeader: T(400, 'You must specify the Anonymous role.'),
  InvalidArgument: T(400, 'Invalid Argument'),
  InvalidBucketName: T(400, 'The specified bucket is not valid.'),
  InvalidBucketState: T(409, 'The request is not valid with the current state of the bucket.'),
  InvalidChunkSizeError: T(403, 'Only the last chunk is allowed to have a size less than 8192 bytes'),
  InvalidDigest: T(400, 'The Content-MD5 you specified is not valid.'),
  InvalidEncryptionAlgorithmError: T(400, 'The encryption request you specified is not valid.'),
  InvalidLocationConstraint: T(400, 'The specified location constraint is not valid.'),
  InvalidObjectName: T(400, 'Object name contains unsupported characters.'),
  InvalidObjectState: T(403, 'The operation is not valid for the current state of the object.'),
  InvalidPart: T(
    400,
    "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
  ),
  InvalidPartOrder: T(400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'),
  InvalidPartNumber: T(416, 'The requested partnumber is not satisfiable'),
  InvalidPayer: T(403, 'All access to this object has been disabled.'),
  InvalidPolicyDocument: T(400, 'The content of the form does not meet the conditions specified in the policy document.'),
  InvalidRange: T(416, 'The requested range is not satisfiable'),
  InvalidRedirectLocation: T(400, "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."),
  InvalidRequest: T(400, 'Invalid Request'),
  InvalidRetentionPeriod: T(400, 'The retention period specified is not valid.'),
  InvalidSecurity: T(403, 'The provided security credentials are not valid.'),
  InvalidStorageClass: T(400, 'The storage class you specified is not valid'),
  InvalidTag: T(400, 'The tag provided was not a valid tag.'),
  InvalidTargetBucketForLogging: T(
    400,
    'The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group.',
  ),
  InvalidToken: T(400, 'The provided token is malformed or otherwise invalid.'),
  InvalidURI: T(400, "Couldn't parse the specified URI."),
  KeyTooLongError: T(400, 'Your key is too long'),
  InvalidBucketAclWithObjectOwnership: T(400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting."),
  MalformedACLError: T(400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  MalformedTrailerError: T(400, 'The request contained trailing data that was not well-formed or did not conform to our published schema.'),
  MalformedPOSTRequest: T(400, 'The body of your POST request is not well-formed multipart/form-data.'),
  MalformedPolicy: T(400, "Policies must be valid JSON and the first byte must be '{'"),
  MalformedXML: T(400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  MaxMessageLengthExceeded: T(400, 'Your request was too big.'),
  MaxPostPreDataLengthExceededError: T(400, 'Your POST request fields preceding the upload file were too large.'),
  MetadataTooLarge: T(400, 'Your metadata headers exceed the maximum allowed metadata size.'),
  MethodNotAllowed: T(405, 'The specified method is not allowed against this resource.'),
  MissingContentLength: T(411, 'You must provide the Content-Length HTTP header.'),
  MissingRequestBodyError: T(400, 'Request Body is empty'),
  MissingSecurityElement: T(400, 'The SOAP 1.1 request is missing a security element.'),
  MissingSecurityHeader: T(400, 'Your request is missing a required header.'),
  NoLoggingStatusForKey: T(400, 'There is no such thing as a logging status subresource for a key.'),
  NoSuchBucket: T(404, 'The specified bucket does not exist'),
  NoSuchBucketPolicy: T(404, 'The bucket policy does not exist'),
  NoSuchCORSConfiguration: T(404, 'The CORS configuration does not exist'),
  NoSuchKey: T(404, 'The specified key does not exist.'),
  NoSuchLifecycleConfiguration: T(404, 'The lifecycle configuration does not exist'),
  ObjectLockConfigurationNotFoundError: T(404, 'Object Lock configuration does not exist for this bucket'),
  NoSuchObjectLockConfiguration: T(404, 'The specified object does not have a ObjectLock configuration'),
  NoSuchPublicAccessBlockConfiguration: T(404, 'The public access block configuration was not found'),
  NoSuchTagSet: T(404, 'The TagSet does not exist'),
  NoSuchUpload: T(404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'),
  NoSuchVersion: T(404, 'The specified version does not exist.'),
  NoSuchWebsiteConfiguration: T(404, 'The specified bucket does not have a website configuration'),
  NotImplemented: T(501, 'A header you provided implies functionality that is not implemented'),
  NotModified: T(304, 'Not Modified'),
  NotSignedUp: T(403, 'Your account is not signed up for the Amazon S3 service.'),
  OperationAborted: T(409, 'A conflicting conditional operation is currently in progress against this resource. Try again.'),
  OwnershipControlsNotFoundError: T(404, 'The bucket ownership controls were not found'),
  PermanentRedirect: T(
    301,
    'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
  ),
  PreconditionFailed: T(412, 'At least one of the pre-conditions you specified did not hold'),
  Redirect: T(307, 'Temporary redirect.'),
  ReplicationConfigurationNotFoundError: T(404, 'The replication configuration was not found'),
  RequestHeaderSectionTooLarge: T(400, 'Your request header section exceeds the maximum allowed size.'),
  RequestIsNotMultiPartContent: T(400, 'Bucket POST must be of the enclosure-type multipart/form-data.'),
  RequestTimeTooSkewed: T(403, "The difference between the request time and the server's time is too large."),
  RequestTimeout: T(400, 'Your socket connection to the server was not read from or written to within the timeout period.'),
  RequestTorrentOfBucketError: T(400, 'Requesting the torrent file of a bucket is not permitted.'),
  ServerSideEncryptionConfigurationNotFoundError: T(404, 'The server side encryption configuration was not found'),
  ServiceUnavailable: T(503, 'Please reduce your request rate.'),
  SignatureDoesNotMatch: T(403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
  SlowDown: T(503, 'Please reduce your request rate.'),
  TemporaryRedirect: T(307, 'You are being redirected to the bucket while DNS updates.'),
  TooManyBuckets: T(400, 'You have attempted to create more buckets than allowed.'),
  UnexpectedContent: T(400, 'This request does not support content.'),
  UnprocessableEntity: T(422, 'The request was well-formed but was unable to be followed due to semantic errors.'),
  UnresolvableGrantByEmailAddress: T(400, 'The email address you provided does not match any account on record.'),
  UserKeyMustBeSpecified: T(400, 'The bucket POST must contain the specified field name. If it is specified, check the order of the fields.'),
  UserSuspended: T(403, 'The user is suspended.'),
  XAmzContentChecksumMismatch: T(400, 'The provided checksum does not match what was computed.'),
  XAmzContentSHA256Mismatch: T(400, "The provided 'x-amz-content-sha256' header does not match what was computed."),
  // Cairn's account codes (IAM's names), thrown by accounts/ for the admin API.
  DeleteConflict: T(409, 'The request was rejected because it attempted to delete a resource that has subordinate entities.'),
  EntityAlreadyExists: T(409, 'The request was rejected because it attempted to create a resource that already exists.'),
  NoSuchEntity: T(404, 'The request was rejected because it referenced a resource entity that does not exist.'),
} satisfies Record<string, ErrorSpec>);

export type S3ErrorCode = keyof typeof ERROR_TABLE;

/** HTTP status of a code. (A code from outside, e.g. over the worker socket, may be unknown at run time: 400.) */
export function statusOf(code: S3ErrorCode): number {
  return (ERROR_TABLE[code] as ErrorSpec | undefined)?.status ?? 400;
}

export function isKnownCode(code: string): code is S3ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_TABLE, code);
}
