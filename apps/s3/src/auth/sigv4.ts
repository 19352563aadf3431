/**
 * AWS Signature Version 4 for S3: header auth and presigned query auth.
 *
 * S3's flavour: no path normalization, no double encoding of the path, and the payload hash comes
 * from x-amz-content-sha256 (header auth) or is UNSIGNED-PAYLOAD (presigned).
 */
import { createHash, createHmac } from 'node:crypto';
import { S3Error } from '@cairn/engine';
import { safeEqual } from './constantTime';
import type { AuthOptions, RawRequest } from './types';
import { accessDenied, invalidArgument, invalidRequest } from '../errors';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SERVICE = 's3';
export const TERMINATOR = 'aws4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_EXPIRES = 604800;

const PAYLOAD_MODES = new Set([UNSIGNED_PAYLOAD, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER]);

// ---------------------------------------------------------------------------------------------
// helpers

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Header value as one string: node joins repeats with ', ' for most headers; arrays become comma-joined. */
export function headerValue(headers: RawRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : String(v);
}

const HEX = '0123456789ABCDEF';

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

/** S3's UriEncode over raw bytes: everything but A-Za-z0-9-._~ (and '/' when kept) becomes %XX. */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (const c of bytes) {
    if (isUnreserved(c) || (keepSlash && c === 0x2f)) out += String.fromCharCode(c);
    else out += '%' + HEX[c >> 4] + HEX[c & 15];
  }
  return out;
}

export function uriEncode(s: string, keepSlash: boolean): string {
  return uriEncodeBytes(Buffer.from(s, 'utf8'), keepSlash);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Percent-decodes to bytes. Works on bytes rather than strings so that re-encoding is exact even
 * for invalid UTF-8; a '%' not followed by two hex digits is kept literally.
 */
export function percentDecodeBytes(s: string, plusAsSpace = false): Buffer {
  const src = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 0x25 && i + 2 < src.length) {
      const h = hexVal(src[i + 1]);
      const l = hexVal(src[i + 2]);
      if (h >= 0 && l >= 0) {
        out[n++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[n++] = plusAsSpace && c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, n);
}

export function percentDecode(s: string, plusAsSpace = false): string {
  return percentDecodeBytes(s, plusAsSpace).toString('utf8');
}

/** Raw query → (name, value) pairs, still encoded; a parameter without '=' has value undefined. */
export function splitQuery(rawQuery: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  if (!rawQuery) return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out.push(eq < 0 ? [part, undefined] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return out;
}

/** Decoded query parameters (first occurrence wins), for reading auth parameters. */
export function queryParams(rawQuery: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of splitQuery(rawQuery)) {
    const name = percentDecode(k);
    if (!m.has(name)) m.set(name, v === undefined ? '' : percentDecode(v));
  }
  return m;
}

function getParam(params: Map<string, string>, name: string): string | undefined {
  const exact = params.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of params) if (k.toLowerCase() === lower) return v;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// canonical request pieces

/**
 * Canonical URIs to try, in order: the path exactly as sent, then the decoded path re-encoded
 * with S3's rules. Clients differ in what they escape (e.g. '~', '!', '*', lower-case hex).
 */
export function canonicalUriCandidates(rawPath: string): string[] {
  const raw = rawPath === '' ? '/' : rawPath;
  // per segment, so an escaped '/' (%2F) inside a key stays escaped
  const reencoded = raw
    .split('/')
    .map((seg) => uriEncodeBytes(percentDecodeBytes(seg), false))
    .join('/');
  return reencoded === raw ? [raw] : [raw, reencoded];
}

/** Canonical query string: decode, re-encode per AWS rules, sort by name then value. */
export function canonicalQuery(rawQuery: string, opts: { exclude?: string; plusAsSpace?: boolean } = {}): string {
  const pairs: Array<[string, string]> = [];
  const exclude = opts.exclude?.toLowerCase();
  for (const [k, v] of splitQuery(rawQuery)) {
    const name = uriEncodeBytes(percentDecodeBytes(k, opts.plusAsSpace), false);
    if (exclude !== undefined && percentDecode(k).toLowerCase() === exclude) continue;
    const value = v === undefined ? '' : uriEncodeBytes(percentDecodeBytes(v, opts.plusAsSpace), false);
    pairs.push([name, value]);
  }
  // Encoded strings are pure ASCII, so code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ');
}

export function canonicalHeaders(headers: RawRequest['headers'], signedHeaders: string[]): string {
  let out = '';
  for (const name of signedHeaders) out += `${name}:${canonicalHeaderValue(headerValue(headers, name) ?? '')}\n`;
  return out;
}

export function canonicalRequest(
  method: string,
  uri: string,
  query: string,
  headers: RawRequest['headers'],
  signedHeaders: string[],
  payloadHash: string,
): string {
  return [method.toUpperCase(), uri, query, canonicalHeaders(headers, signedHeaders), signedHeaders.join(';'), payloadHash].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

// Deriving a key costs four HMACs; clients reuse one (secret, date, region) for many requests.
const signingKeyCache = new Map<string, Buffer>();
const SIGNING_KEY_CACHE_MAX = 1024;

export function getSigningKey(secret: string, date: string, region: string, service = SERVICE): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secret}`;
  const hit = signingKeyCache.get(cacheKey);
  if (hit) return hit;
  const key = hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), TERMINATOR);
  if (signingKeyCache.size >= SIGNING_KEY_CACHE_MAX) signingKeyCache.clear();
  signingKeyCache.set(cacheKey, key);
  return key;
}

export function signHex(key: Buffer, sts: string): string {
  return createHmac('sha256', key).update(sts, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// dates

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseAmzDate(s: string): Date | undefined {
  const m = AMZ_DATE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const date = new Date(t);
  // reject 20130230T... style overflow
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  return date;
}

export function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function checkSkew(requestTime: Date, rawTime: string, opts: AuthOptions): void {
  const now = (opts.now ?? (() => new Date()))();
  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(now.getTime() - requestTime.getTime()) > maxSkew) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: rawTime,
      ServerTime: now.toISOString(),
      MaxAllowedSkewMilliseconds: String(maxSkew),
    });
  }
}

function missingDate(): S3Error {
  return accessDenied('AWS authentication requires a valid Date or x-amz-date header');
}

// ---------------------------------------------------------------------------------------------
// errors

function hexBytes(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function signatureMismatch(fields: { accessKeyId: string; stringToSign: string; provided: string; canonicalRequest?: string }): S3Error {
  const f: Record<string, string> = {
    AWSAccessKeyId: fields.accessKeyId,
    StringToSign: fields.stringToSign,
    SignatureProvided: fields.provided,
    StringToSignBytes: hexBytes(fields.stringToSign),
  };
  if (fields.canonicalRequest !== undefined) {
    f.CanonicalRequest = fields.canonicalRequest;
    f.CanonicalRequestBytes = hexBytes(fields.canonicalRequest);
  }
  return new S3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    f,
  );
}

export function invalidAccessKey(accessKeyId: string): S3Error {
  return new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
    AWSAccessKeyId: accessKeyId,
  });
}

function headerMalformed(detail: string, fields: Record<string, string> = {}): S3Error {
  return new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${detail}`, fields);
}

function queryError(message: string, fields: Record<string, string> = {}): S3Error {
  return new S3Error('AuthorizationQueryParametersError', message, fields);
}

// ---------------------------------------------------------------------------------------------
// verification

export interface SigV4Verified {
  accessKeyId: string;
  userId: string;
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  /** The verified request signature: the seed for chunk signatures. */
  signature: string;
  /** What the canonical request used: a hex hash, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  payloadHash: string;
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

function parseCredential(value: string): Credential | undefined {
  const parts = value.split('/');
  if (parts.length < 5) return undefined;
  const [date, region, service, terminator] = parts.slice(-4);
  const accessKeyId = parts.slice(0, -4).join('/');
  if (!accessKeyId) return undefined;
  return { accessKeyId, date, region, service, terminator };
}

/** Checks the scope; `malformed` builds the mode-appropriate error. */
function checkScope(cred: Credential, amzDate: string, opts: AuthOptions, presigned: boolean): void {
  const prefix = presigned ? 'Error parsing the X-Amz-Credential parameter; ' : 'The authorization header is malformed; ';
  const err = (detail: string, fields: Record<string, string> = {}) => (presigned ? queryError(prefix + detail, fields) : headerMalformed(detail, fields));
  if (!/^\d{8}$/.test(cred.date)) throw err(`incorrect date format '${cred.date}'. This date in the credential must be in the format "yyyyMMdd".`);
  if (cred.region !== opts.region) throw err(`the region '${cred.region}' is wrong; expecting '${opts.region}'`, { Region: opts.region });
  if (cred.service !== SERVICE) throw err(`incorrect service '${cred.service}'. This endpoint belongs to '${SERVICE}'.`);
  if (cred.terminator !== TERMINATOR) throw err(`incorrect terminal '${cred.terminator}'. This endpoint uses '${TERMINATOR}'.`);
  if (cred.date !== amzDate.slice(0, 8)) {
    throw presigned
      ? queryError(`${prefix}Invalid credential date "${cred.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`)
      : headerMalformed(`Invalid credential date. Date is not the same as X-Amz-Date.`);
  }
}

function parseSignedHeaders(s: string): string[] | undefined {
  if (!s) return undefined;
  const list = s.split(';').map((h) => h.trim().toLowerCase());
  if (list.some((h) => h === '' || !/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(h))) return undefined;
  return list;
}

function requireHostSigned(signedHeaders: string[]): void {
  if (!signedHeaders.includes('host')) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: 'host' });
  }
}

export function validatePayloadHash(value: string | undefined): string {
  if (value === undefined) {
    throw invalidRequest('Missing required header for this request: x-amz-content-sha256');
  }
  if (PAYLOAD_MODES.has(value)) return value;
  if (/^[0-9a-fA-F]{64}$/.test(value)) return value;
  throw invalidArgument(
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, ' +
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    'x-amz-content-sha256',
    value,
  );
}

/**
 * Tries every canonical form clients are known to produce (path as sent / S3-re-encoded; '+' in
 * the query as itself / as a space). Each comparison is constant time. Throws on mismatch.
 */
function matchSignature(
  req: RawRequest,
  signingKey: Buffer,
  amzDate: string,
  scope: string,
  signedHeaders: string[],
  payloadHash: string,
  provided: string,
  accessKeyId: string,
  excludeParam?: string,
): void {
  const queries = [canonicalQuery(req.rawQuery, { exclude: excludeParam })];
  if (req.rawQuery.includes('+')) queries.push(canonicalQuery(req.rawQuery, { exclude: excludeParam, plusAsSpace: true }));
  let first: { canonical: string; sts: string } | undefined;
  let ok = false;
  for (const uri of canonicalUriCandidates(req.rawPath)) {
    for (const q of queries) {
      const canonical = canonicalRequest(req.method, uri, q, req.headers, signedHeaders, payloadHash);
      const sts = stringToSign(amzDate, scope, canonical);
      first ??= { canonical, sts };
      // no early exit: every candidate costs the same whether or not an earlier one matched
      if (safeEqual(signHex(signingKey, sts), provided)) ok = true;
    }
  }
  if (!ok) throw signatureMismatch({ accessKeyId, stringToSign: first!.sts, provided, canonicalRequest: first!.canonical });
}

async function lookupUser(opts: AuthOptions, accessKeyId: string) {
  const user = await opts.lookup(accessKeyId);
  if (!user) throw invalidAccessKey(accessKeyId);
  return user;
}

function suspended(): S3Error {
  return new S3Error('UserSuspended', 'The user has been suspended.');
}

/** SigV4 `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export async function verifySigV4Header(req: RawRequest, authorization: string, opts: AuthOptions): Promise<SigV4Verified> {
  const rest = authorization.slice(ALGORITHM.length).trim();
  const fields = new Map<string, string>();
  for (const part of rest.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) throw headerMalformed(`the authorization component "${p}" is malformed.`);
    fields.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  const credValue = fields.get('Credential');
  const signedHeadersValue = fields.get('SignedHeaders');
  const provided = fields.get('Signature');
  if (credValue === undefined || signedHeadersValue === undefined || provided === undefined) {
    throw headerMalformed('the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  const cred = parseCredential(credValue);
  if (!cred) throw headerMalformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  const signedHeaders = parseSignedHeaders(signedHeadersValue);
  if (!signedHeaders) throw headerMalformed('the SignedHeaders component is malformed.');

  // x-amz-date wins over Date; the string to sign always carries the ISO8601 basic form.
  const xAmzDate = headerValue(req.headers, 'x-amz-date');
  const dateHeader = headerValue(req.headers, 'date');
  let requestTime: Date | undefined;
  let amzDate: string;
  let rawTime: string;
  if (xAmzDate !== undefined) {
    requestTime = parseAmzDate(xAmzDate.trim());
    amzDate = xAmzDate.trim();
    rawTime = amzDate;
  } else if (dateHeader !== undefined) {
    const t = Date.parse(dateHeader);
    requestTime = Number.isNaN(t) ? undefined : new Date(t);
    amzDate = requestTime ? formatAmzDate(requestTime) : '';
    rawTime = dateHeader;
  } else {
    throw missingDate();
  }
  if (!requestTime) throw missingDate();

  checkScope(cred, amzDate, opts, false);
  requireHostSigned(signedHeaders);
  const payloadHash = validatePayloadHash(headerValue(req.headers, 'x-amz-content-sha256')?.trim());

  const user = await lookupUser(opts, cred.accessKeyId);
  checkSkew(requestTime, rawTime, opts);

  const scope = `${cred.date}/${cred.region}/${cred.service}/${cred.terminator}`;
  const signingKey = getSigningKey(user.secretAccessKey, cred.date, cred.region);
  matchSignature(req, signingKey, amzDate, scope, signedHeaders, payloadHash, provided, cred.accessKeyId);
  if (user.suspended) throw suspended();
  return { accessKeyId: cred.accessKeyId, userId: user.userId, signingKey, amzDate, scope, signature: provided, payloadHash };
}

/** SigV4 presigned URL: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature in the query. */
export async function verifySigV4Presigned(req: RawRequest, opts: AuthOptions): Promise<SigV4Verified> {
  const params = queryParams(req.rawQuery);
  const algorithm = getParam(params, 'X-Amz-Algorithm');
  const credValue = getParam(params, 'X-Amz-Credential');
  const amzDate = getParam(params, 'X-Amz-Date');
  const expiresValue = getParam(params, 'X-Amz-Expires');
  const signedHeadersValue = getParam(params, 'X-Amz-SignedHeaders');
  const provided = getParam(params, 'X-Amz-Signature');
  if (algorithm !== undefined && algorithm !== ALGORITHM) {
    throw queryError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  if (!algorithm || !credValue || !amzDate || expiresValue === undefined || !signedHeadersValue || !provided) {
    throw queryError(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const requestTime = parseAmzDate(amzDate);
  if (!requestTime) throw queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  if (!/^-?\d+$/.test(expiresValue)) throw queryError('X-Amz-Expires should be a number');
  const expires = Number(expiresValue);
  if (expires < 0) throw queryError('X-Amz-Expires must be non-negative');
  if (expires > MAX_PRESIGN_EXPIRES) throw queryError('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  if (expires === 0) throw queryError('X-Amz-Expires must be greater than 0'); // S3 accepts 1..604800
  const cred = parseCredential(credValue);
  if (!cred)
    throw queryError(
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  checkScope(cred, amzDate, opts, true);
  const signedHeaders = parseSignedHeaders(signedHeadersValue);
  if (!signedHeaders) throw queryError('Error parsing the X-Amz-SignedHeaders parameter.');
  requireHostSigned(signedHeaders);
  const payloadHash = validatePayloadHash(getParam(params, 'X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD);
  if (payloadHash.startsWith('STREAMING-')) {
    throw invalidArgument('Streaming payloads are not supported with query-string authentication.', 'X-Amz-Content-Sha256', payloadHash);
  }

  const user = await lookupUser(opts, cred.accessKeyId);
  const now = (opts.now ?? (() => new Date()))();
  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (requestTime.getTime() - now.getTime() > maxSkew) {
    throw new S3Error('AccessDenied', 'Request is not valid yet', {
      'X-Amz-Date': amzDate,
      ServerTime: now.toISOString(),
    });
  }
  const expiresAt = new Date(requestTime.getTime() + expires * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      'X-Amz-Expires': expiresValue,
      Expires: expiresAt.toISOString(),
      ServerTime: now.toISOString(),
    });
  }

  const scope = `${cred.date}/${cred.region}/${cred.service}/${cred.terminator}`;
  const signingKey = getSigningKey(user.secretAccessKey, cred.date, cred.region);
  matchSignature(req, signingKey, amzDate, scope, signedHeaders, payloadHash, provided, cred.accessKeyId, 'X-Amz-Signature');
  if (user.suspended) throw suspended();
  return { accessKeyId: cred.accessKeyId, userId: user.userId, signingKey, amzDate, scope, signature: provided, payloadHash };
}
