/**
 * Raw, hand-signed S3 requests for the cases SDKs refuse to send: unnormalised paths
 * (`/b/a/../c`), NUL bytes, bodies shorter than their Content-Length, broken aws-chunked
 * bodies, wrong secrets, skewed clocks, giant headers, anonymous requests.
 *
 * The signer is a minimal, self-contained AWS Signature V4 implementation on node:crypto
 * (so every input can be bent on purpose); node:http sends the path exactly as given.
 *
 *   const r = await rawRequest(endpoint, { method: 'PUT', path: '/bkt/a/../b', body: 'x' });
 *   expect(r.status).toBe(200);
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { ROOT_KEY, ROOT_SECRET } from './server';

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';

export interface RawResponse {
  /** HTTP status, or 0 when no response arrived (connection reset / destroyed by the client). */
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  rawBody: Buffer;
  /** Set when no (complete) response arrived: the socket error message. */
  error?: string;
}

export interface ChunkedOptions {
  /** The decoded payload. */
  data: Buffer;
  /** Bytes per chunk (default 64 KiB; AWS requires >= 8 KiB for all but the last). */
  chunkSize?: number;
  /** Corrupt something on purpose. */
  tamper?: 'first-signature' | 'last-signature' | 'data';
}

export interface RawRequestOptions {
  method?: string;
  /** The request path exactly as it goes on the wire (already percent-encoded where wanted). */
  path: string;
  /** Raw query string (no leading `?`) or name → value pairs (encoded here, AWS style). */
  query?: string | Record<string, string | undefined> | Array<[string, string]>;
  /** Extra headers (any case). Values are sent verbatim. */
  headers?: Record<string, string>;
  /** Request body. Content-Length is set from it unless given in headers. */
  body?: Buffer | string;
  /**
   * Take over writing the body: called with the open request after headers are set.
   * The writer must end (req.end()) or destroy (req.destroy()) the request itself.
   */
  writer?: (req: http.ClientRequest) => void | Promise<void>;
  /** aws-chunked signed streaming body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
  chunked?: ChunkedOptions;

  /**
   * 'sigv4' (default): Authorization header; 'presign': SigV4 signed query string;
   * 'sigv2': `Authorization: AWS key:signature` (HMAC-SHA1, Date header); 'none': anonymous.
   */
  auth?: 'sigv4' | 'presign' | 'sigv2' | 'none';
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Sign with this secret instead (e.g. a wrong one) while still presenting accessKeyId. */
  signingSecret?: string;
  region?: string;
  service?: string;
  /** Signing time (default now): skew it to test RequestTimeTooSkewed / expiry. */
  date?: Date;
  /** x-amz-content-sha256: default the hex SHA-256 of `body` (UNSIGNED-PAYLOAD for writer mode). */
  payloadHash?: string;
  /** Presign: X-Amz-Expires seconds (default 900). */
  expires?: number;
  /** Extra header names (lower-case) to leave out of SignedHeaders. */
  unsignedHeaders?: string[];
  /** Host header (default 127.0.0.1:port); use for virtual-host requests. */
  host?: string;
  /** Socket timeout in ms (default 15000). */
  timeoutMs?: number;
  /** Change headers after signing (lower-case names), e.g. to send a value other than the signed one. */
  afterSign?: (headers: Record<string, string>) => void;
}

const NEVER_SIGNED = new Set(['authorization', 'content-length', 'user-agent', 'expect', 'connection', 'transfer-encoding']);

// ---------------------------------------------------------------- encoding (AWS SigV4 rules)

/** AWS URI encoding: unreserved kept, everything else %XX (UTF-8), `/` kept only when asked. */
export function awsEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * Canonical URI for a raw path: already-encoded `%XX` escapes are kept (hex upper-cased),
 * unreserved characters and `/` kept, anything else encoded. Dot segments are NOT removed
 * (S3 does not normalise). For an AWS-encoded path this is the path itself.
 */
export function canonicalUri(rawPath: string): string {
  let out = '';
  const bytes = Buffer.from(rawPath, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const c = String.fromCharCode(b);
    if (c === '%' && i + 2 < bytes.length && /^[0-9a-fA-F]{2}$/.test(bytes.subarray(i + 1, i + 3).toString('latin1'))) {
      out +=
        '%' +
        bytes
          .subarray(i + 1, i + 3)
          .toString('latin1')
          .toUpperCase();
      i += 2;
    } else if (/[A-Za-z0-9\-_.~/]/.test(c)) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** Parse a raw query string into decoded pairs, order kept. */
export function parseQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, i)), safeDecode(p.slice(i + 1))];
    });
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as [string, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function queryToRaw(q: RawRequestOptions['query']): string {
  if (q === undefined) return '';
  if (typeof q === 'string') return q.replace(/^\?/, '');
  const pairs = Array.isArray(q) ? q : Object.entries(q);
  return pairs.map(([k, v]) => (v === undefined || v === '' ? awsEncode(k) : `${awsEncode(k)}=${awsEncode(v)}`)).join('&');
}

// ---------------------------------------------------------------- signing

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** 20130524T000000Z */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function signingKey(secret: string, dateStamp: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac('AWS4' + secret, dateStamp), region), service), 'aws4_request');
}

interface SignInput {
  method: string;
  rawPath: string;
  queryPairs: Array<[string, string]>;
  headers: Record<string, string>; // lower-case names
  signedHeaders: string[]; // lower-case, sorted
  payloadHash: string;
  amzDate: string;
  scope: string;
  key: Buffer;
}

function signature(i: SignInput): { signature: string; canonicalRequest: string; stringToSign: string } {
  const canonicalHeaders = i.signedHeaders.map((h) => `${h}:${(i.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [i.method, canonicalUri(i.rawPath), canonicalQuery(i.queryPairs), canonicalHeaders, i.signedHeaders.join(';'), i.payloadHash].join(
    '\n',
  );
  const stringToSign = ['AWS4-HMAC-SHA256', i.amzDate, i.scope, sha256Hex(canonicalRequest)].join('\n');
  return { signature: createHmac('sha256', i.key).update(stringToSign).digest('hex'), canonicalRequest, stringToSign };
}

/** Encode `data` as a signed aws-chunked body, chained from `seedSignature`. */
export function encodeChunkedBody(
  data: Buffer,
  o: { seedSignature: string; key: Buffer; amzDate: string; scope: string; chunkSize?: number; tamper?: ChunkedOptions['tamper'] },
): Buffer {
  const size = o.chunkSize ?? 64 * 1024;
  const pieces: Buffer[] = [];
  for (let off = 0; off < data.length; off += size) pieces.push(data.subarray(off, Math.min(off + size, data.length)));
  pieces.push(Buffer.alloc(0));
  let prev = o.seedSignature;
  const out: Buffer[] = [];
  pieces.forEach((piece, idx) => {
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', o.amzDate, o.scope, prev, EMPTY_SHA256, sha256Hex(piece)].join('\n');
    let sig = createHmac('sha256', o.key).update(sts).digest('hex');
    prev = sig;
    const isFirst = idx === 0;
    const isLast = idx === pieces.length - 1;
    if ((o.tamper === 'first-signature' && isFirst) || (o.tamper === 'last-signature' && isLast)) {
      sig = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    }
    let payload = piece;
    if (o.tamper === 'data' && isFirst && piece.length > 0) {
      payload = Buffer.from(piece);
      payload[0] ^= 0xff;
    }
    out.push(Buffer.from(`${piece.length.toString(16)};chunk-signature=${sig}\r\n`), payload, Buffer.from('\r\n'));
  });
  return Buffer.concat(out);
}

/** Sub-resources that are part of SigV2's canonical resource. */
const V2_SUBRESOURCES = new Set([
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
]);

/** SigV2 string to sign (path-style: the canonical resource is the raw path plus sub-resources). */
export function stringToSignV2(method: string, rawPath: string, query: Array<[string, string]>, headers: Record<string, string>): string {
  const amz = Object.keys(headers)
    .filter((h) => h.startsWith('x-amz-'))
    .sort()
    .map((h) => `${h}:${headers[h].trim()}\n`)
    .join('');
  const sub = query
    .filter(([k]) => V2_SUBRESOURCES.has(k))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&');
  const date = headers['x-amz-date'] ? '' : (headers.date ?? '');
  return `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${date}\n${amz}${rawPath}${sub ? '?' + sub : ''}`;
}

// ---------------------------------------------------------------- the request

/** A signed request ready for the wire: what rawRequest sends (also for raw-socket tests). */
export interface PreparedRequest {
  method: string;
  /** Path and query exactly as they go on the request line. */
  fullPath: string;
  /** Lower-case names, signed as configured. */
  headers: Record<string, string>;
  body?: Buffer;
}

/** Signs a request (SigV4 header / presigned / SigV2 / anonymous) without sending it. */
export function prepareRawRequest(endpoint: string, o: RawRequestOptions): PreparedRequest {
  const url = new URL(endpoint);
  const method = (o.method ?? 'GET').toUpperCase();
  const region = o.region ?? 'us-east-1';
  const service = o.service ?? 's3';
  const accessKeyId = o.accessKeyId ?? ROOT_KEY;
  const secret = o.signingSecret ?? o.secretAccessKey ?? ROOT_SECRET;
  const auth = o.auth ?? 'sigv4';
  const when = o.date ?? new Date();
  const xAmzDate = amzDate(when);
  const dateStamp = xAmzDate.slice(0, 8);
  const scope = `${dateStamp}/${region}/${service}/aws4_request`;
  const key = signingKey(secret, dateStamp, region, service);

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.host ??= o.host ?? url.host;

  let body: Buffer | undefined = typeof o.body === 'string' ? Buffer.from(o.body, 'utf8') : o.body;
  let payloadHash = o.payloadHash;
  if (o.chunked) {
    payloadHash ??= STREAMING_PAYLOAD;
    headers['content-encoding'] ??= 'aws-chunked';
    headers['x-amz-decoded-content-length'] ??= String(o.chunked.data.length);
  }
  if (payloadHash === undefined) payloadHash = o.writer ? UNSIGNED_PAYLOAD : sha256Hex(body ?? Buffer.alloc(0));

  let rawQuery = queryToRaw(o.query);
  if (auth === 'sigv4') {
    headers['x-amz-date'] ??= xAmzDate;
    headers['x-amz-content-sha256'] ??= payloadHash;
  }

  // Content-Length of a chunked body depends only on sizes, so it is known before signing.
  if (o.chunked) {
    const size = o.chunked.chunkSize ?? 64 * 1024;
    const n = o.chunked.data.length;
    let len = 0;
    for (let off = 0; off < n; off += size) {
      const c = Math.min(size, n - off);
      len += c.toString(16).length + ';chunk-signature='.length + 64 + 2 + c + 2;
    }
    len += 1 + ';chunk-signature='.length + 64 + 2 + 2;
    headers['content-length'] ??= String(len);
  } else if (body !== undefined && headers['content-length'] === undefined && !o.writer) {
    headers['content-length'] = String(body.length);
  }

  const unsigned = new Set([...(o.unsignedHeaders ?? []).map((h) => h.toLowerCase()), ...NEVER_SIGNED]);
  let seedSignature = '';
  if (auth === 'sigv4') {
    const signedHeaders = Object.keys(headers)
      .filter((h) => !unsigned.has(h))
      .sort();
    const { signature: sig } = signature({
      method,
      rawPath: o.path,
      queryPairs: parseQuery(rawQuery),
      headers,
      signedHeaders,
      payloadHash,
      amzDate: xAmzDate,
      scope,
      key,
    });
    seedSignature = sig;
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
  } else if (auth === 'presign') {
    const signedHeaders = ['host'];
    const presignPairs: Array<[string, string]> = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Credential', `${accessKeyId}/${scope}`],
      ['X-Amz-Date', xAmzDate],
      ['X-Amz-Expires', String(o.expires ?? 900)],
      ['X-Amz-SignedHeaders', signedHeaders.join(';')],
    ];
    const pairs = [...parseQuery(rawQuery), ...presignPairs];
    const { signature: sig } = signature({
      method,
      rawPath: o.path,
      queryPairs: pairs,
      headers,
      signedHeaders,
      payloadHash: UNSIGNED_PAYLOAD,
      amzDate: xAmzDate,
      scope,
      key,
    });
    rawQuery = [rawQuery, queryToRaw([...presignPairs, ['X-Amz-Signature', sig]])].filter(Boolean).join('&');
  } else if (auth === 'sigv2') {
    headers.date ??= when.toUTCString();
    const sig = createHmac('sha1', secret)
      .update(stringToSignV2(method, o.path, parseQuery(rawQuery), headers))
      .digest('base64');
    headers.authorization = `AWS ${accessKeyId}:${sig}`;
  }

  if (o.chunked) {
    body = encodeChunkedBody(o.chunked.data, {
      seedSignature,
      key,
      amzDate: xAmzDate,
      scope,
      chunkSize: o.chunked.chunkSize,
      tamper: o.chunked.tamper,
    });
  }

  o.afterSign?.(headers);
  const fullPath = rawQuery ? `${o.path}?${rawQuery}` : o.path;
  return { method, fullPath, headers, body };
}

export async function rawRequest(endpoint: string, o: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(endpoint);
  const { method, fullPath, headers, body } = prepareRawRequest(endpoint, o);
  return new Promise<RawResponse>((resolve) => {
    let settled = false;
    const done = (r: RawResponse) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = http.request({
      host: url.hostname,
      port: url.port,
      method,
      path: fullPath,
      headers,
      agent: false,
      // Node's client rejects raw spaces / control / non-Latin-1 characters in paths
      // (ERR_UNESCAPED_CHARACTERS): percent-encode those; everything else goes out verbatim.
      maxHeaderSize: 1024 * 1024,
    });
    req.setTimeout(o.timeoutMs ?? 15000, () => req.destroy(new Error('client timeout')));
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const rawBody = Buffer.concat(parts);
        done({ status: res.statusCode ?? 0, headers: res.headers, body: rawBody.toString('utf8'), rawBody });
      });
      res.on('error', (e) => done({ status: res.statusCode ?? 0, headers: res.headers, body: '', rawBody: Buffer.alloc(0), error: e.message }));
    });
    req.on('error', (e) => done({ status: 0, headers: {}, body: '', rawBody: Buffer.alloc(0), error: e.message }));
    if (o.writer) {
      Promise.resolve(o.writer(req)).catch((e: Error) => req.destroy(e));
    } else {
      req.end(body);
    }
  });
}

// ---------------------------------------------------------------- response helpers

export interface S3XmlError {
  code?: string;
  message?: string;
  requestId?: string;
  resource?: string;
  raw: string;
}

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? m[1] : undefined;
}

/** Pull the fields out of an S3 `<Error>` document (undefined fields when absent). */
export function parseS3Error(body: string): S3XmlError {
  return {
    code: xmlText(body, 'Code'),
    message: xmlText(body, 'Message'),
    requestId: xmlText(body, 'RequestId'),
    resource: xmlText(body, 'Resource'),
    raw: body,
  };
}

/** Decode the XML entities S3 uses in listings. */
export function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

/** All `<Key>` values of a ListObjects(V2) response body, entity-decoded. */
export function listedKeys(body: string): string[] {
  const keys: string[] = [];
  const re = /<Contents>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Contents>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) keys.push(xmlUnescape(m[1]));
  return keys;
}
