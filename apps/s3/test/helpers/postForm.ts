/**
 * Building browser-style POST Object forms for tests: POST policies signed with SigV4 (like the
 * SDKs' createPresignedPost) or SigV2, and raw multipart/form-data bodies in a chosen field order.
 */
import { createHmac } from 'node:crypto';
import { amzDate, signingKey } from './rawRequest';
import { ROOT_KEY, ROOT_SECRET } from './server';

export type PolicyCondition = Record<string, string> | [string, string | number, string | number];

export interface SignedPost {
  /** Fields to send before the file, in order. */
  fields: [string, string][];
  policy: string;
}

export function encodePolicy(conditions: PolicyCondition[], expiresInMs = 10 * 60_000, now = new Date()): string {
  return Buffer.from(JSON.stringify({ expiration: new Date(now.getTime() + expiresInMs).toISOString(), conditions })).toString('base64');
}

/** A SigV4 POST: x-amz-* credential fields are added to both the form and the policy, as createPresignedPost does. */
export function signPostV4(
  bucket: string,
  fields: [string, string][],
  conditions: PolicyCondition[],
  o: { accessKeyId?: string; secretAccessKey?: string; region?: string; expiresInMs?: number; now?: Date; tamper?: boolean } = {},
): SignedPost {
  const now = o.now ?? new Date();
  const date = amzDate(now);
  const region = o.region ?? 'us-east-1';
  const credential = `${o.accessKeyId ?? ROOT_KEY}/${date.slice(0, 8)}/${region}/s3/aws4_request`;
  const authFields: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', credential],
    ['X-Amz-Date', date],
  ];
  const policy = encodePolicy([...conditions, { bucket }, ...authFields.map(([k, v]) => ({ [k]: v }))], o.expiresInMs, now);
  const key = signingKey(o.secretAccessKey ?? ROOT_SECRET, date.slice(0, 8), region, 's3');
  let signature = createHmac('sha256', key).update(policy).digest('hex');
  if (o.tamper) signature = signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  return { policy, fields: [...fields, ['bucket', bucket], ...authFields, ['Policy', policy], ['X-Amz-Signature', signature]] };
}

export function signPostV2(fields: [string, string][], conditions: PolicyCondition[], o: { accessKeyId?: string; secretAccessKey?: string } = {}): SignedPost {
  const policy = encodePolicy(conditions);
  const signature = createHmac('sha1', o.secretAccessKey ?? ROOT_SECRET)
    .update(policy)
    .digest('base64');
  return { policy, fields: [...fields, ['AWSAccessKeyId', o.accessKeyId ?? ROOT_KEY], ['policy', policy], ['signature', signature]] };
}

export const BOUNDARY = '----CairnFormBoundary7MA4YWxkTrZu0gW';

/** multipart/form-data body: fields, then the file part, then `after` fields. */
export function multipartBody(
  fields: [string, string][],
  file?: { filename: string; content: Buffer | string; contentType?: string },
  after: [string, string][] = [],
  boundary = BOUNDARY,
): Buffer {
  const parts: Buffer[] = [];
  const field = ([k, v]: [string, string]) => parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  fields.forEach(field);
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  after.forEach(field);
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

export const multipartContentType = (boundary = BOUNDARY) => `multipart/form-data; boundary=${boundary}`;
