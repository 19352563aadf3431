/**
 * Object headers in both directions: request headers → the engine's ContentHeaders, user
 * metadata and storage class; ObjectMeta → GET/HEAD response headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { STORAGE_CLASSES, MAX_USER_METADATA_BYTES, type ContentHeaders, type ObjectMeta, type StorageClass } from '@cairn/engine';
import { s3Error, invalidRequest } from '../errors';
import { httpDate } from './dates';
import { checksumResponseHeaders } from './integrity';

export { STORAGE_CLASSES, MAX_USER_METADATA_BYTES };

export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

function h(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Content-Encoding without the transport-level `aws-chunked` token, the rest kept as sent
 * (`aws-chunked, deflate, gzip` → `deflate, gzip`, as S3 stores it); undefined when nothing is left.
 */
export function storedContentEncoding(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const rest = v
    .split(',')
    .filter((s) => s.trim().toLowerCase() !== 'aws-chunked')
    .join(',')
    .trim();
  return rest.split(',').some((s) => s.trim() !== '') ? rest : undefined;
}

export function requestContentHeaders(headers: IncomingHttpHeaders): ContentHeaders {
  return {
    contentType: h(headers, 'content-type') || DEFAULT_CONTENT_TYPE,
    contentEncoding: storedContentEncoding(h(headers, 'content-encoding')),
    contentDisposition: h(headers, 'content-disposition'),
    contentLanguage: h(headers, 'content-language'),
    cacheControl: h(headers, 'cache-control'),
    expires: h(headers, 'expires'),
    websiteRedirectLocation: h(headers, 'x-amz-website-redirect-location'),
  };
}

/** x-amz-meta-* → { name (lower-case, unprefixed): value }; over 2 KiB is MetadataTooLarge. */
export function requestUserMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const k = name.slice('x-amz-meta-'.length);
    const v = Array.isArray(value) ? value.join(',') : value;
    meta[k] = v;
    size += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  }
  if (size > MAX_USER_METADATA_BYTES) {
    throw s3Error('MetadataTooLarge', undefined, { Size: String(size), MaxSizeAllowed: String(MAX_USER_METADATA_BYTES) });
  }
  return meta;
}

export function requestStorageClass(headers: IncomingHttpHeaders): StorageClass | undefined {
  const v = h(headers, 'x-amz-storage-class');
  if (v === undefined) return undefined;
  if (!(STORAGE_CLASSES as readonly string[]).includes(v)) throw s3Error('InvalidStorageClass', undefined, { StorageClassRequested: v });
  return v as StorageClass;
}

/**
 * A header value Node will send: latin-1 strings (how Node hands us incoming header bytes)
 * pass through unchanged, so metadata round-trips byte for byte; anything wider is sent as an
 * RFC 2047 encoded word.
 */
export function safeHeaderValue(v: string): string {
  if (/^[\t\x20-\x7e\x80-\xff]*$/.test(v)) return v;
  return `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

export interface ObjectHeaderOptions {
  /** Resolved byte range of a 206 response. */
  range?: { start: number; end: number };
  /** x-amz-checksum-mode: ENABLED on a full-object read. */
  includeChecksum?: boolean;
  /** partNumber read: report x-amz-mp-parts-count. */
  partsCount?: number;
}

/** Headers of a GET/HEAD response for this object (without the response-* overrides). */
export function objectResponseHeaders(meta: ObjectMeta, o: ObjectHeaderOptions = {}): Record<string, string> {
  const out: Record<string, string> = {
    'Last-Modified': httpDate(meta.lastModified),
    ETag: `"${meta.etag}"`,
    'Accept-Ranges': 'bytes',
    'Content-Type': safeHeaderValue(meta.contentType ?? DEFAULT_CONTENT_TYPE),
  };
  if (o.range) {
    out['Content-Length'] = String(o.range.end - o.range.start + 1);
    out['Content-Range'] = `bytes ${o.range.start}-${o.range.end}/${meta.size}`;
  } else {
    out['Content-Length'] = String(meta.size);
  }
  if (meta.contentEncoding) out['Content-Encoding'] = safeHeaderValue(meta.contentEncoding);
  if (meta.contentDisposition) out['Content-Disposition'] = safeHeaderValue(meta.contentDisposition);
  if (meta.contentLanguage) out['Content-Language'] = safeHeaderValue(meta.contentLanguage);
  if (meta.cacheControl) out['Cache-Control'] = safeHeaderValue(meta.cacheControl);
  if (meta.expires) out['Expires'] = safeHeaderValue(meta.expires);
  if (meta.websiteRedirectLocation) out['x-amz-website-redirect-location'] = safeHeaderValue(meta.websiteRedirectLocation);
  if (meta.storageClass && meta.storageClass !== 'STANDARD') out['x-amz-storage-class'] = meta.storageClass;
  if (meta.versionId && meta.versionId !== 'null') out['x-amz-version-id'] = meta.versionId;
  for (const [k, v] of Object.entries(meta.userMetadata ?? {})) out[`x-amz-meta-${k}`] = safeHeaderValue(v);
  if (o.includeChecksum && !o.range) Object.assign(out, checksumResponseHeaders(meta.checksum, meta.partSizes?.length));
  if (o.partsCount !== undefined) out['x-amz-mp-parts-count'] = String(o.partsCount);
  if (meta.replicationStatus) out['x-amz-replication-status'] = meta.replicationStatus;
  return out;
}

/** The response-* overrides GetObject/HeadObject were sent (params/queryValues.ts): signed requests only. */
export function applyResponseOverrides(out: Record<string, string>, overrides: Record<string, string>, signed: boolean): void {
  for (const [headerName, v] of Object.entries(overrides)) {
    if (!signed) throw invalidRequest('Request specific response headers cannot be used for anonymous GET requests.');
    out[headerName] = safeHeaderValue(v);
  }
}
