/**
 * AWS Signature Version 2 (legacy clients): `Authorization: AWS AKID:base64(hmac-sha1)` and
 * query auth (AWSAccessKeyId, Expires, Signature).
 */
import { createHmac } from 'node:crypto';
import { S3Error } from '@cairn/engine';
import { safeEqual } from './constantTime';
import type { AuthOptions, RawRequest } from './types';
import {
  checkSkew,
  headerValue,
  invalidAccessKey,
  percentDecode,
  percentDecodeBytes,
  queryParams,
  signatureMismatch,
  splitQuery,
  uriEncodeBytes,
} from './sigv4';
import { accessDenied, invalidArgument } from '../errors';

/** Sub-resources in S3's documented list. */
const DOC_SUBRESOURCES = [
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'restore',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
];
/** Newer sub-resources some clients (botocore, minio) also include. */
const EXTRA_SUBRESOURCES = [
  'accelerate',
  'analytics',
  'encryption',
  'inventory',
  'legal-hold',
  'metrics',
  'object-lock',
  'replication',
  'retention',
  'select',
  'select-type',
  'storageClass',
  'defaultObjectAcl',
];
const DOC_SET = new Set(DOC_SUBRESOURCES);
const FULL_SET = new Set([...DOC_SUBRESOURCES, ...EXTRA_SUBRESOURCES]);

export interface SigV2Verified {
  accessKeyId: string;
  userId: string;
}

function subresourceString(rawQuery: string, allowed: Set<string>): string {
  const items: Array<[string, string | undefined]> = [];
  for (const [k, v] of splitQuery(rawQuery)) {
    const name = percentDecode(k);
    if (allowed.has(name)) items.push([name, v === undefined ? undefined : percentDecode(v)]);
  }
  if (items.length === 0) return '';
  items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // values are signed decoded (S3 docs: "you do not encode these values" when signing)
  return '?' + items.map(([k, v]) => (v === undefined || v === '' ? k : `${k}=${v}`)).join('&');
}

/** Every canonical resource a legitimate client may have signed, most likely first. */
export function canonicalResourceCandidates(req: RawRequest): string[] {
  const prefix = req.virtualHostBucket ? `/${req.virtualHostBucket}` : '';
  const raw = req.rawPath === '' ? '/' : req.rawPath;
  const bytes = percentDecodeBytes(raw);
  const paths = [raw, uriEncodeBytes(bytes, true), bytes.toString('utf8')];
  const subs = [subresourceString(req.rawQuery, FULL_SET), subresourceString(req.rawQuery, DOC_SET)];
  const out = new Set<string>();
  for (const s of subs) for (const p of paths) out.add(prefix + p + s);
  return [...out];
}

/**
 * `tightCommas`: SigV2 joins repeated headers with ',' but node joins them with ', ', so a
 * request with repeated x-amz- headers is also tried with ', ' collapsed.
 */
export function canonicalAmzHeaders(headers: RawRequest['headers'], tightCommas = false): string {
  const names = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => h.startsWith('x-amz-'))
    .sort();
  return names
    .map((n) => {
      let v = (headerValue(headers, n) ?? '').replace(/\s+/g, ' ').trim();
      if (tightCommas) v = v.replace(/, /g, ',');
      return `${n}:${v}\n`;
    })
    .join('');
}

export function stringToSignV2(req: RawRequest, dateOrExpires: string, resource: string, tightCommas = false): string {
  const md5 = headerValue(req.headers, 'content-md5') ?? '';
  const type = headerValue(req.headers, 'content-type') ?? '';
  return `${req.method.toUpperCase()}\n${md5}\n${type}\n${dateOrExpires}\n${canonicalAmzHeaders(req.headers, tightCommas)}${resource}`;
}

export function signV2(secret: string, sts: string): string {
  return createHmac('sha1', secret).update(sts, 'utf8').digest('base64');
}

function verify(req: RawRequest, secret: string, dateLine: string, provided: string, accessKeyId: string): void {
  let ok = false;
  let firstSts: string | undefined;
  const amz = canonicalAmzHeaders(req.headers);
  const commaForms = amz.includes(', ') ? [false, true] : [false];
  for (const resource of canonicalResourceCandidates(req)) {
    for (const tight of commaForms) {
      const sts = stringToSignV2(req, dateLine, resource, tight);
      firstSts ??= sts;
      if (safeEqual(signV2(secret, sts), provided)) ok = true;
    }
  }
  if (!ok) throw signatureMismatch({ accessKeyId, stringToSign: firstSts!, provided });
}

/** `Authorization: AWS AKID:signature`. */
export async function verifySigV2Header(req: RawRequest, authorization: string, opts: AuthOptions): Promise<SigV2Verified> {
  const rest = authorization.slice(4).trim();
  const colon = rest.lastIndexOf(':');
  if (colon <= 0 || colon === rest.length - 1) {
    throw invalidArgument('AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', 'Authorization', authorization);
  }
  const accessKeyId = rest.slice(0, colon);
  const provided = rest.slice(colon + 1);

  const xAmzDate = headerValue(req.headers, 'x-amz-date');
  const date = headerValue(req.headers, 'date');
  const raw = xAmzDate ?? date;
  const t = raw === undefined ? NaN : Date.parse(raw);
  if (Number.isNaN(t)) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');

  const user = await opts.lookup(accessKeyId);
  if (!user) throw invalidAccessKey(accessKeyId);
  checkSkew(new Date(t), raw!, opts);
  // With x-amz-date present the Date line is empty (the date is signed among the x-amz- headers).
  verify(req, user.secretAccessKey, xAmzDate !== undefined ? '' : (date ?? ''), provided, accessKeyId);
  if (user.suspended) throw new S3Error('UserSuspended', 'The user has been suspended.');
  return { accessKeyId, userId: user.userId };
}

/** Query auth: `?AWSAccessKeyId=...&Expires=<epoch seconds>&Signature=...`. */
export async function verifySigV2Query(req: RawRequest, opts: AuthOptions): Promise<SigV2Verified> {
  const params = queryParams(req.rawQuery);
  const accessKeyId = params.get('AWSAccessKeyId');
  const expires = params.get('Expires');
  const provided = params.get('Signature');
  if (!accessKeyId || !expires || !provided) {
    throw accessDenied('Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  if (!/^\d+$/.test(expires)) {
    throw accessDenied('Invalid date (should be seconds since epoch): ' + expires);
  }
  const user = await opts.lookup(accessKeyId);
  if (!user) throw invalidAccessKey(accessKeyId);
  const now = (opts.now ?? (() => new Date()))();
  const expiresAt = new Date(Number(expires) * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      Expires: expiresAt.toISOString(),
      ServerTime: now.toISOString(),
    });
  }
  verify(req, user.secretAccessKey, expires, provided, accessKeyId);
  if (user.suspended) throw new S3Error('UserSuspended', 'The user has been suspended.');
  return { accessKeyId, userId: user.userId };
}
