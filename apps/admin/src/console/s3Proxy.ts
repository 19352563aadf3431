/**
 * `/console/s3/<bucket>/<key>?<query>`: the console's way to the S3 API. The request is re-signed
 * (SigV4, sigv4.ts) with the signed-in user's own key and forwarded to Cairn's S3 port; the
 * response (XML, object bytes) streams back unchanged. So the console gets S3's exact semantics —
 * authorization (a non-root user sees and touches only what S3 would let it), validation and
 * error codes — without the secret ever being in the browser, and without CORS on the S3 port.
 *
 * Small bodies (≤ 1 MiB: configuration documents, multi-delete, complete-multipart) are buffered
 * and signed with their SHA-256 (plus Content-MD5 when absent, which some S3 operations
 * require); larger ones (uploads, parts) stream through with UNSIGNED-PAYLOAD.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import type Koa from 'koa';
import { AdminError } from '../errors';
import { canonicalQueryString, parseQuery, rfc3986, sha256Hex, signHeaders, type SigningKey } from './sigv4';

export const S3_PROXY_PREFIX = '/console/s3';
const BUFFER_LIMIT = 1024 * 1024;

const FORWARDED_REQUEST = new Set([
  'content-type',
  'content-length',
  'content-md5',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
]);
const NOT_FORWARDED_AMZ = new Set(['x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'x-amz-decoded-content-length']);
const DROPPED_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'server', 'date']);

export interface S3Target {
  /** Where the S3 port listens, as this process reaches it (http://127.0.0.1:9000). */
  endpoint: string;
  region: string;
}

async function readAll(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw new AdminError(413, 'RequestTooLarge', 'a body without Content-Length is limited to 1 MiB');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export async function proxyToS3(ctx: Koa.Context, key: SigningKey, target: S3Target): Promise<void> {
  const url = new URL(target.endpoint);
  // Normalise the path: decode each segment once, encode it the SigV4 way (also what is sent).
  const rawPath = ctx.path.slice(S3_PROXY_PREFIX.length) || '/';
  let path: string;
  let query: string;
  try {
    path =
      rawPath
        .split('/')
        .map((s) => rfc3986(decodeURIComponent(s)))
        .join('/') || '/';
    query = canonicalQueryString(parseQuery(ctx.querystring));
  } catch {
    throw new AdminError(400, 'InvalidArgument', 'malformed percent-encoding in the path or query');
  }

  const headers: Record<string, string> = { host: url.host };
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (value === undefined) continue;
    const v = Array.isArray(value) ? value.join(',') : value;
    if (FORWARDED_REQUEST.has(name) || (name.startsWith('x-amz-') && !NOT_FORWARDED_AMZ.has(name))) headers[name] = v;
  }
  const method = ctx.method;
  const declared = ctx.req.headers['content-length'] !== undefined ? Number(ctx.req.headers['content-length']) : undefined;
  const hasBody = method === 'PUT' || method === 'POST';
  let body: Buffer | undefined;
  let payloadHash = sha256Hex('');
  if (hasBody && (declared === undefined || declared <= BUFFER_LIMIT)) {
    body = await readAll(ctx.req, BUFFER_LIMIT);
    payloadHash = sha256Hex(body);
    headers['content-length'] = String(body.length);
    if (!headers['content-md5'] && body.length > 0) headers['content-md5'] = createHash('md5').update(body).digest('base64');
  } else if (hasBody) {
    payloadHash = 'UNSIGNED-PAYLOAD';
  } else {
    delete headers['content-length'];
  }
  Object.assign(headers, signHeaders(key, { method, path, query, headers, payloadHash }));

  const upstream = http.request({ host: url.hostname, port: url.port, method, path: path + (query ? `?${query}` : ''), headers });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve);
    upstream.once('error', reject);
  });
  if (body) upstream.end(body);
  else if (hasBody) {
    ctx.req.pipe(upstream);
    ctx.req.once('aborted', () => upstream.destroy());
  } else upstream.end();
  let res: http.IncomingMessage;
  try {
    res = await response;
  } catch {
    throw new AdminError(502, 'BadGateway', 'the S3 port did not answer');
  }
  ctx.status = res.statusCode ?? 502;
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined && !DROPPED_RESPONSE.has(name)) ctx.set(name, value as string | string[]);
  }
  ctx.body = res;
  if (res.headers['content-length'] !== undefined) ctx.length = Number(res.headers['content-length']);
}
