/**
 * One website-endpoint request (GET or HEAD, anonymous), resolved in S3's order:
 *   1. the bucket (NoSuchBucket) and its website configuration (NoSuchWebsiteConfiguration);
 *   2. RedirectAllRequestsTo → 301 to that host, path and query kept;
 *   3. the key: the path, with the IndexDocument suffix appended for the root and `…/`;
 *      read exactly as GetObject/HeadObject (same authorization as an anonymous GetObject, so the
 *      object must be public by ACL or policy; Range, conditional headers, response headers);
 *   4. a missing key without a trailing slash whose `key/<index>` can be read → 302 to `/key/`;
 *   5. routing rules, matched against the requested key and the status of steps 3–4;
 *   6. the object's x-amz-website-redirect-location → 301 to it;
 *   7. on 403 / 404: the ErrorDocument, served with that status (itself public, or its own
 *      failure is listed on the default page); otherwise the default HTML error page.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { isS3Error, type BucketInfo, type EngineApi, type ObjectMeta } from '@cairn/engine';
import type { AuthResult } from '../auth/types';
import { authorizeRequest } from '../authz/authzRequest';
import type { S3Context, S3Response, ServerConfig } from '../context';
import { ERROR_TABLE, errorHeaders, s3Error, statusOf } from '../errors';
import { parseReadRequest, readResponseHeaders, type ReadRequest } from '../handlers/object/objectRead';
import { objectReadParams } from '../params/objectParams';
import { requesterPays } from '../authz/requesterPays';
import { decodeOnce } from '../http/route';
import type { WebsiteError } from './errorPage';
import { keyPath, matchRoutingRule, routingRuleRedirect } from './routingRules';

export interface WebsiteRequest {
  engine: EngineApi;
  config: ServerConfig;
  requestId: string;
  req: IncomingMessage;
  headers: IncomingHttpHeaders;
  method: 'GET' | 'HEAD';
  bucketName: string;
  /** Path and query exactly as sent. */
  rawPath: string;
  rawQuery: string;
  /** The Host header as sent (redirects without a HostName stay on it). */
  host: string;
  log: Record<string, unknown>;
}

/** A response to send, or an error page to render (with the ErrorDocument's own failure, if any). */
export type WebsiteResult = { response: S3Response } | { error: WebsiteError; errorDocumentError?: WebsiteError };

const ANONYMOUS: AuthResult = {
  userId: null,
  accessKeyId: null,
  signatureVersion: null,
  authType: null,
  wrapBody: (raw) => raw,
  trailers: () => ({}),
};

/** Fields S3 lists on its error pages for each code. */
export function websiteError(e: unknown, context: { key?: string; bucket?: string } = {}): WebsiteError {
  if (!isS3Error(e)) return { status: 500, code: 'InternalError', message: ERROR_TABLE.InternalError.message, fields: [] };
  const code = e.code;
  const message = e.message && e.message !== code ? e.message : (ERROR_TABLE[code]?.message ?? code);
  const fields: [string, string][] = [];
  if (code === 'NoSuchKey' && context.key !== undefined) fields.push(['Key', context.key]);
  else if ((code === 'NoSuchBucket' || code === 'NoSuchWebsiteConfiguration') && context.bucket !== undefined) fields.push(['BucketName', context.bucket]);
  else for (const [k, v] of Object.entries(e.fields ?? {})) if (v !== undefined) fields.push([k, String(v)]);
  return { status: statusOf(code), code, message, fields };
}

interface ObjectRead {
  status: number;
  headers: Record<string, string>;
  meta: ObjectMeta;
  body?: Readable;
}

/** The same S3 context GetObject's handler sees, for an anonymous request with no query. */
function objectContext(w: WebsiteRequest, bucket: BucketInfo, key: string): S3Context {
  const rawPath = keyPath(key);
  return {
    engine: w.engine,
    config: w.config,
    requestId: w.requestId,
    method: w.method,
    route: { style: 'virtual-host', bucket: bucket.name, key, rawPath, rawQuery: '', virtualHostBucket: bucket.name, resource: `/${bucket.name}${rawPath}` },
    query: new URLSearchParams(),
    headers: w.headers,
    req: w.req,
    auth: ANONYMOUS,
    principal: null,
    bucket,
    bucketName: bucket.name,
    key,
    log: w.log,
  };
}

/**
 * Reads `key` as an anonymous GetObject (HEAD: HeadObject) would: authorize() decides, then the
 * engine read with Range and conditional headers when `asRequested` (the ErrorDocument and the
 * fallback key are read whole, unconditionally).
 */
async function readObject(w: WebsiteRequest, bucket: BucketInfo, key: string, asRequested: boolean): Promise<ObjectRead> {
  const c = objectContext(w, bucket, key);
  await authorizeRequest(w.engine, c, { operation: 'GetObject', bucket, key });
  const r: ReadRequest = asRequested ? parseReadRequest(c, objectReadParams(c.query)) : { options: {}, checksumMode: false, responseOverrides: {} };
  if (w.method === 'HEAD') {
    const res = await w.engine.headObject(bucket.name, key, r.options);
    return { ...readResponseHeaders(c, res.meta, res.range, r, undefined), meta: res.meta };
  }
  const res = await w.engine.getObject(bucket.name, key, r.options);
  return { ...readResponseHeaders(c, res.meta, res.range, r, undefined), meta: res.meta, body: res.body };
}

/** Whether `key` exists and an anonymous caller may read it (the folder redirect's test). */
async function readable(w: WebsiteRequest, bucket: BucketInfo, key: string): Promise<boolean> {
  try {
    const c = objectContext(w, bucket, key);
    await authorizeRequest(w.engine, c, { operation: 'GetObject', bucket, key });
    await w.engine.headObject(bucket.name, key);
    return true;
  } catch (e) {
    if (isS3Error(e)) return false;
    throw e;
  }
}

/** A key that is absent (404, or 403 because the caller may not list the bucket). */
async function missing(w: WebsiteRequest, bucket: BucketInfo, key: string, failure: unknown): Promise<boolean> {
  if (!isS3Error(failure)) return false;
  if (failure.code === 'NoSuchKey') return true;
  if (failure.code !== 'AccessDenied') return false;
  return (await w.engine.getObjectAccess(bucket.name, key).catch(() => undefined)) === undefined;
}

const redirect = (status: number, location: string): WebsiteResult => ({ response: { status, headers: { Location: location, 'Content-Length': 0 } } });

function objectResponse(o: ObjectRead, status = o.status): WebsiteResult {
  if (o.meta.websiteRedirectLocation) {
    o.body?.destroy();
    return redirect(301, o.meta.websiteRedirectLocation);
  }
  return { response: { status, headers: o.headers, body: o.body } };
}

export async function resolveWebsite(w: WebsiteRequest): Promise<WebsiteResult> {
  const name = w.bucketName;
  let bucket: BucketInfo;
  try {
    bucket = await w.engine.getBucket(name);
  } catch (e) {
    return { error: websiteError(e, { bucket: name }) };
  }
  const site = await w.engine.getBucketWebsite(name);
  if (!site) return { error: websiteError(s3Error('NoSuchWebsiteConfiguration'), { bucket: name }) };
  try {
    await requesterPays(w.engine, bucket, null, undefined); // anonymous requests never pay: AccessDenied
  } catch (e) {
    return { error: websiteError(e) };
  }

  const all = site.redirectAllRequestsTo;
  if (all) return redirect(301, `${all.protocol ?? 'http'}://${all.hostName}${w.rawPath}${w.rawQuery ? `?${w.rawQuery}` : ''}`);

  let requested: string;
  try {
    requested = decodeOnce(w.rawPath.slice(1));
  } catch (e) {
    return { error: websiteError(e) };
  }
  const folder = requested === '' || requested.endsWith('/');
  const key = folder ? requested + (site.indexDocument ?? '') : requested;

  let served: ObjectRead | undefined;
  let failure: unknown;
  let status: number;
  try {
    served = await readObject(w, bucket, key, true);
    status = served.status;
  } catch (e) {
    if (!isS3Error(e)) throw e;
    failure = e;
    status = statusOf(e.code);
  }
  let folderRedirect = false;
  if (failure !== undefined && !folder && (await missing(w, bucket, key, failure)) && (await readable(w, bucket, `${key}/${site.indexDocument}`))) {
    folderRedirect = true;
    status = 302;
  }

  const rule = matchRoutingRule(site.routingRules, requested, status);
  if (rule?.redirect) {
    served?.body?.destroy();
    const r = routingRuleRedirect(rule, requested, w.host);
    return redirect(r.status, r.location);
  }
  if (rule?.serveKey !== undefined && failure !== undefined) {
    // Cairn's single-page-app fallback: the named key, with 200; if it can't be served, the usual error path.
    try {
      return objectResponse(await readObject(w, bucket, rule.serveKey, false), 200);
    } catch (e) {
      if (!isS3Error(e)) throw e;
    }
  }
  if (folderRedirect) return redirect(302, `${keyPath(key)}/`);
  if (served) return objectResponse(served);

  const error = websiteError(failure, { key });
  if (error.status === 304) return { response: { status: 304, headers: { ...(isS3Error(failure) ? errorHeaders(failure) : {}) } } };
  if ((error.status === 403 || error.status === 404) && site.errorDocument !== undefined) {
    try {
      return objectResponse(await readObject(w, bucket, site.errorDocument, false), error.status);
    } catch (e) {
      if (!isS3Error(e)) throw e;
      return { error, errorDocumentError: websiteError(e, { key: site.errorDocument }) };
    }
  }
  return { error };
}
