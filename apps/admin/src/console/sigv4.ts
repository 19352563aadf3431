/**
 * The console's server-side AWS Signature Version 4 signer: the admin app signs the S3 requests
 * it forwards for a signed-in console user (s3Proxy.ts) and presigns share links, so the user's
 * secret never reaches the browser. Only what those two need: header signing with a given
 * payload hash (UNSIGNED-PAYLOAD for streamed bodies) and query presigning of a GET.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** RFC 3986 encoding as SigV4 wants it (everything but A-Z a-z 0-9 - _ . ~). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Canonical form of a query: decoded pairs re-encoded and sorted (also what is sent, so both agree). */
export function canonicalQueryString(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** A raw query string ("a=1&b", browser-encoded) as decoded pairs. */
export function parseQuery(raw: string): [string, string][] {
  if (!raw) return [];
  return raw
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const dec = (s: string) => decodeURIComponent(s);
      return i === -1 ? [dec(p), ''] : [dec(p.slice(0, i)), dec(p.slice(i + 1))];
    });
}

const sha256 = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d, 'utf8').digest();

function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function signature(key: SigningKey, date: string, canonical: string): { scope: string; sig: string } {
  const day = date.slice(0, 8);
  const scope = `${day}/${key.region}/s3/aws4_request`;
  const sts = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  const k = hmac(hmac(hmac(hmac('AWS4' + key.secretAccessKey, day), key.region), 's3'), 'aws4_request');
  return { scope, sig: createHmac('sha256', k).update(sts, 'utf8').digest('hex') };
}

/**
 * Signs a request: returns the headers to add (Authorization, x-amz-date, x-amz-content-sha256).
 * `path` is the already-encoded path as sent; `headers` are those that will be sent (host included).
 */
export function signHeaders(
  key: SigningKey,
  req: { method: string; path: string; query: string; headers: Record<string, string>; payloadHash: string },
  now = new Date(),
): Record<string, string> {
  const date = amzDate(now);
  const all: Record<string, string> = { ...lower(req.headers), 'x-amz-date': date, 'x-amz-content-sha256': req.payloadHash };
  const names = Object.keys(all).sort();
  const canonical = [
    req.method,
    req.path,
    req.query,
    names.map((n) => `${n}:${all[n].trim().replace(/\s+/g, ' ')}\n`).join(''),
    names.join(';'),
    req.payloadHash,
  ].join('\n');
  const { scope, sig } = signature(key, date, canonical);
  return {
    'x-amz-date': date,
    'x-amz-content-sha256': req.payloadHash,
    authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`,
  };
}

/** A presigned GET URL valid for `expiresSeconds` (1 s .. 7 days, S3's limits). */
export function presignGetUrl(key: SigningKey, endpoint: string, path: string, extra: [string, string][], expiresSeconds: number, now = new Date()): string {
  const url = new URL(endpoint);
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const pairs: [string, string][] = [
    ...extra,
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${key.accessKeyId}/${day}/${key.region}/s3/aws4_request`],
    ['X-Amz-Date', date],
    ['X-Amz-Expires', String(expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = canonicalQueryString(pairs);
  const canonical = ['GET', path, query, `host:${url.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const { sig } = signature(key, date, canonical);
  return `${url.origin}${path}?${query}&X-Amz-Signature=${sig}`;
}

/** Encodes each segment of a bucket/key path for the wire (keeps "/"). */
export function encodePath(bucket: string, key?: string): string {
  return '/' + rfc3986(bucket) + (key !== undefined ? '/' + key.split('/').map(rfc3986).join('/') : '');
}

export const sha256Hex = sha256;

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
