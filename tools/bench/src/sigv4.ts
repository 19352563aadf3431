/**
 * A compact AWS Signature Version 4 signer for the load generator's hot loop.
 *
 * - Request bodies are sent with `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so the signing cost is
 *   constant whatever the object size; bodiless requests use the SHA-256 of the empty string.
 * - The derived signing key is cached per day (it only depends on date/region/service).
 * - The caller passes the canonical (already URI-encoded) path and query; `canonicalPath` and
 *   `canonicalQuery` build them, and the same strings are put on the wire, so what is signed is
 *   exactly what is sent.
 */
import { createHash, createHmac } from 'node:crypto';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** RFC 3986 encoding as SigV4 wants it (unreserved: A-Z a-z 0-9 - _ . ~). */
export function uriEncode(s: string, encodeSlash = true): string {
  let out = encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  if (!encodeSlash) out = out.replace(/%2F/g, '/');
  return out;
}

/** `/bucket/key` (path-style), each segment encoded once, slashes kept. */
export function canonicalPath(bucket: string, key?: string): string {
  if (!bucket) return '/';
  if (key === undefined || key === '') return '/' + uriEncode(bucket);
  return '/' + uriEncode(bucket) + '/' + uriEncode(key, false);
}

/** Sorted, encoded `a=1&b=2` (a valueless parameter is `name=`). */
export function canonicalQuery(params?: ReadonlyArray<readonly [string, string]>): string {
  if (!params || params.length === 0) return '';
  const enc = params.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  enc.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return enc.map(([k, v]) => k + '=' + v).join('&');
}

/** `20130524T000000Z` */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

export interface SignInput {
  method: string;
  /** canonical path, e.g. from canonicalPath() */
  path: string;
  /** canonical query string, e.g. from canonicalQuery() ('' when none) */
  query: string;
  /** every header to sign, lowercase names; must include host, x-amz-date and x-amz-content-sha256 */
  headers: Record<string, string>;
}

export class SigV4Signer {
  private keyDay = '';
  private key: Buffer = Buffer.alloc(0);
  private lastSecond = -1;
  private lastAmzDate = '';

  constructor(
    readonly accessKeyId: string,
    readonly secretAccessKey: string,
    readonly region = 'us-east-1',
    readonly service = 's3',
  ) {}

  /** The signing key for a `YYYYMMDD` day (cached: one HMAC chain per day). */
  signingKey(day: string): Buffer {
    if (day !== this.keyDay) {
      const kDate = hmac('AWS4' + this.secretAccessKey, day);
      const kRegion = hmac(kDate, this.region);
      const kService = hmac(kRegion, this.service);
      this.key = hmac(kService, 'aws4_request');
      this.keyDay = day;
    }
    return this.key;
  }

  /** Current x-amz-date, recomputed at most once per second. */
  now(): string {
    const ms = Date.now();
    const sec = Math.floor(ms / 1000);
    if (sec !== this.lastSecond) {
      this.lastSecond = sec;
      this.lastAmzDate = amzDate(new Date(sec * 1000));
    }
    return this.lastAmzDate;
  }

  /** Returns the `Authorization` header value for the request. */
  authorization(req: SignInput): string {
    const names = Object.keys(req.headers).sort();
    let canonicalHeaders = '';
    for (const n of names) canonicalHeaders += n + ':' + String(req.headers[n]).trim().replace(/\s+/g, ' ') + '\n';
    const signedHeaders = names.join(';');
    const payloadHash = req.headers['x-amz-content-sha256'] ?? UNSIGNED_PAYLOAD;
    const date = req.headers['x-amz-date'];
    if (!date) throw new Error('x-amz-date header is required');
    const canonicalRequest = req.method + '\n' + req.path + '\n' + req.query + '\n' + canonicalHeaders + '\n' + signedHeaders + '\n' + payloadHash;
    const day = date.slice(0, 8);
    const scope = day + '/' + this.region + '/' + this.service + '/aws4_request';
    const stringToSign = 'AWS4-HMAC-SHA256\n' + date + '\n' + scope + '\n' + sha256Hex(canonicalRequest);
    const signature = createHmac('sha256', this.signingKey(day)).update(stringToSign, 'utf8').digest('hex');
    return 'AWS4-HMAC-SHA256 Credential=' + this.accessKeyId + '/' + scope + ', SignedHeaders=' + signedHeaders + ', Signature=' + signature;
  }
}
