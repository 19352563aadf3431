/**
 * S3 errors over HTTP: the one code → status → message table lives in the engine
 * (@cairn/engine errorCodes.ts, which defines the closed `S3ErrorCode` union); this module
 * turns any thrown value into S3's XML error response, and is the only place where an error's
 * structured facts (deleteMarker, lastModified, allow, ...) become HTTP headers.
 */
import { ERROR_TABLE, S3Error, isS3Error, statusOf, type ErrorSpec, type S3ErrorCode } from '@cairn/engine';
import { renderError } from './xml/error';
import { httpDate } from './http/dates';

export {
  ERROR_TABLE,
  S3Error,
  isS3Error,
  statusOf,
  isKnownCode,
  s3Error,
  noSuchKey,
  noSuchBucket,
  noSuchUpload,
  noSuchVersion,
  accessDenied,
  invalidArgument,
  invalidRequest,
  malformedXml,
  internalError,
  methodNotAllowed,
} from '@cairn/engine';
export type { ErrorSpec, S3ErrorCode } from '@cairn/engine';

/** The headers S3 sends with an error, from its structured facts. */
export function errorHeaders(err: S3Error): Record<string, string> {
  const h: Record<string, string> = {};
  if (err.etag !== undefined) h.ETag = `"${err.etag}"`;
  if (err.deleteMarker) h['x-amz-delete-marker'] = 'true';
  if (err.versionId !== undefined) h['x-amz-version-id'] = err.versionId;
  if (err.lastModified !== undefined) h['Last-Modified'] = httpDate(err.lastModified);
  if (err.allow !== undefined) h.Allow = err.allow.join(', ');
  if (err.objectSize !== undefined) h['Content-Range'] = `bytes */${err.objectSize}`;
  if (err.closeConnection) h.Connection = 'close';
  return h;
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  /** undefined for HEAD requests and bodiless statuses (304). */
  body?: string;
  /** The S3 code (InternalError for unexpected exceptions). */
  code: S3ErrorCode;
  /** Set when the error was not an S3Error: log it, never send it. */
  unexpected?: unknown;
}

export interface ErrorRenderContext {
  method: string;
  resource: string;
  requestId: string;
  hostId: string;
  bucket?: string;
  key?: string;
}

/** Turn anything thrown while serving a request into S3's error response. */
export function toErrorResponse(err: unknown, rc: ErrorRenderContext): ErrorResponse {
  let code: S3ErrorCode;
  let message: string;
  let fields: Record<string, string> = {};
  let headers: Record<string, string> = {};
  let unexpected: unknown;
  if (isS3Error(err)) {
    code = err.code;
    message = err.message && err.message !== err.code ? err.message : ((ERROR_TABLE[code] as ErrorSpec | undefined)?.message ?? code);
    fields = { ...err.fields };
    headers = errorHeaders(err);
  } else {
    code = 'InternalError';
    message = ERROR_TABLE.InternalError.message;
    unexpected = err;
  }
  if (code === 'NoSuchBucket' && rc.bucket && fields.BucketName === undefined) fields.BucketName = rc.bucket;
  if (code === 'NoSuchKey' && rc.key !== undefined && fields.Key === undefined) fields.Key = rc.key;
  const status = statusOf(code);
  const bodiless = rc.method === 'HEAD' || status === 304 || status === 204;
  const body = bodiless ? undefined : renderError({ code, message, resource: rc.resource, requestId: rc.requestId, hostId: rc.hostId, fields });
  return { status, headers, body, code, unexpected };
}
