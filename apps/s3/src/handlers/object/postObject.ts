/**
 * PostObject (POST /bucket, multipart/form-data): the browser-form upload.
 *
 * The form is read as a stream: fields up to the `file` part are collected (≤ 64 KiB, else
 * MaxPostPreDataLengthExceededError), then the form is authenticated (auth/postPolicy.ts), its
 * policy checked against the fields, the caller authorized as PutObject on bucket/key through
 * the one authorization path, and the file part is streamed straight into engine.putObject
 * (content-length-range enforced while streaming). Fields after the file are ignored, as S3 does.
 *
 * Response: success_action_redirect (or the legacy `redirect`) → 303 to it with bucket, key and
 * etag appended; else success_action_status 200 (empty), 201 (PostResponse XML) or 204 (default).
 */
import { parseTagging } from '../../xml/tagging';
import { requestObjectLock } from '../../http/objectLockHeaders';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import type { Handler, S3Context } from '../../context';
import { header, xmlResponse } from '../../context';
import { s3Error, invalidArgument } from '../../errors';
import { authenticatePostForm, checkPostPolicy, type FormFields } from '../../auth/postPolicy';
import { authorizeRequest } from '../../authz/authzRequest';
import type { Principal } from '../../context';
import { formBoundary, MultipartFormReader } from '../../http/multipartForm';
import { openRequestBody } from '../../http/requestBody';
import { requestContentHeaders, requestStorageClass, requestUserMetadata } from '../../http/objectHeaders';
import { ANONYMOUS_OWNER, objectWriteAcl } from '../../http/aclRequest';
import { versionIdHeader } from '../../http/versionHeaders';
import { validateObjectKey } from '@cairn/engine';
import { buildXml } from '../../xml/codec';
import { MAX_PUT_SIZE } from './putObject';
import { REQUEST_CHARGED_HEADER, requesterPays } from '../../authz/requesterPays';

export const MAX_PRE_FILE_BYTES = 64 * 1024;

/** Form fields that become object headers (names as S3 accepts them in the form). */
const HEADER_FIELDS = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
  'x-amz-object-lock-mode',
  'x-amz-object-lock-retain-until-date',
  'x-amz-object-lock-legal-hold',
];

/** Counts the file's bytes; fails as soon as it exceeds `max` (the policy's content-length-range or 5 GiB). */
class LengthLimit extends Transform {
  size = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.max) {
      cb(
        s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
          ProposedSize: String(this.size),
          MaxSizeAllowed: String(this.max),
        }),
      );
      return;
    }
    cb(null, chunk);
  }
}

function objectHeadersFromForm(fields: FormFields): IncomingHttpHeaders {
  const h: IncomingHttpHeaders = {};
  for (const [name, value] of fields) {
    if (HEADER_FIELDS.includes(name) || name.startsWith('x-amz-meta-')) h[name] = value;
  }
  const acl = fields.get('acl');
  if (acl !== undefined) h['x-amz-acl'] = acl;
  return h;
}

function objectUrl(c: S3Context, key: string): string {
  const host = header(c, 'host') ?? '127.0.0.1';
  const path = key.split('/').map(encodeURIComponent).join('/');
  return c.route.style === 'virtual-host' ? `http://${host}/${path}` : `http://${host}/${encodeURIComponent(c.bucket!.name)}/${path}`;
}

function redirectTarget(url: string, bucket: string, key: string, etag: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined; // S3 ignores an unusable redirect and answers with the status instead
  }
  u.searchParams.append('bucket', bucket);
  u.searchParams.append('key', key);
  u.searchParams.append('etag', `"${etag}"`);
  return u.toString();
}

export const postObject: Handler = async (c) => {
  const boundary = formBoundary(header(c, 'content-type'));
  if (!boundary) throw s3Error('RequestIsNotMultiPartContent');
  const bucket = c.bucket!;
  const body = openRequestBody(c);
  const form = new MultipartFormReader(body, boundary);

  // 1. Fields before the file.
  const fields: FormFields = new Map();
  let preFileBytes = 0;
  let file: { filename: string } | undefined;
  for (let part = await form.nextPart(); part; part = await form.nextPart()) {
    const name = part.name.toLowerCase();
    if (name === 'file') {
      file = { filename: part.filename ?? '' };
      break;
    }
    const tooLarge = () => s3Error('MaxPostPreDataLengthExceededError');
    const value = await form.readField(MAX_PRE_FILE_BYTES - preFileBytes, tooLarge);
    preFileBytes += Buffer.byteLength(value) + name.length;
    if (preFileBytes > MAX_PRE_FILE_BYTES) throw tooLarge();
    fields.set(name, value);
  }
  if (!file) throw s3Error('IncorrectNumberOfFilesInPostRequest');
  const rawKey = fields.get('key');
  if (rawKey === undefined) {
    throw invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", 'key');
  }
  const filename = file.filename.replace(/^.*[\\/]/, ''); // browsers may send a path
  const key = rawKey.split('${filename}').join(filename);
  validateObjectKey(key);

  // 2. Who is uploading, and does the policy allow this form?
  const postAuth = await authenticatePostForm(fields, {
    region: c.config.region,
    lookup: async (akid) => {
      const found = await c.engine.lookupAccessKey(akid);
      return found && { secretAccessKey: found.secretAccessKey, userId: found.user.id, suspended: found.user.suspended };
    },
  });
  const limits = postAuth.policy ? checkPostPolicy(postAuth.policy, fields, { bucket: bucket.name, key }) : {};
  const principal: Principal | null = postAuth.userId ? { userId: postAuth.userId, accessKeyId: postAuth.accessKeyId ?? '' } : null;
  c.log.postUser = principal?.userId ?? null;

  // 3. Authorized exactly as a PutObject of bucket/key by that caller.
  const headers = objectHeadersFromForm(fields);
  const extraKeys: Record<string, string> = { 's3:authtype': 'POST' };
  if (headers['x-amz-acl'] !== undefined) extraKeys['s3:x-amz-acl'] = headers['x-amz-acl'] as string;
  await authorizeRequest(
    c.engine,
    { req: c.req, headers: c.headers, query: c.query, auth: { signatureVersion: postAuth.signatureVersion, authType: null }, principal },
    { operation: 'PutObject', bucket, key },
    extraKeys,
  );
  // Requester Pays: the form itself must agree to pay (x-amz-request-payer field), like the header.
  const requesterPaid = await requesterPays(c.engine, bucket, principal, fields.get('x-amz-request-payer'));

  // 4. Stream the file into the engine.
  const userMetadata = requestUserMetadata(headers);
  const storageClass = requestStorageClass(headers);
  const contentHeaders = requestContentHeaders(headers);
  // The `tagging` field is a <Tagging> document (not the header's query form), as in S3.
  const taggingField = fields.get('tagging');
  const tags = taggingField !== undefined ? await parseTagging(Buffer.from(taggingField, 'utf8')) : undefined;
  const lock = requestObjectLock(headers);
  const { owner, acl } = await objectWriteAcl(c.engine, headers, bucket.name, principal?.userId ?? ANONYMOUS_OWNER);
  const limit = new LengthLimit(Math.min(limits.maxLength ?? MAX_PUT_SIZE, MAX_PUT_SIZE));
  pipeline(Readable.from(form.partBody(), { objectMode: false }), limit, () => undefined); // errors surface on `limit`
  const meta = await c.engine.putObject(bucket.name, key, limit, {
    owner,
    feedEvent: 'ObjectCreated:Post',
    acl,
    ...contentHeaders,
    userMetadata,
    storageClass,
    tags,
    lock,
    verify: (d) => {
      if (limits.minLength !== undefined && d.size < limits.minLength) {
        throw s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
          ProposedSize: String(d.size),
          MinSizeAllowed: String(limits.minLength),
        });
      }
    },
  });
  c.log.bytes = meta.size;
  c.engine.recordUsage({ userId: requesterPaid ? principal!.userId : bucket.owner, bytesIn: meta.size, requesterPays: requesterPaid });
  await form.drain(); // fields after the file are ignored, as S3 does

  // 5. Answer as the form asked.
  const etag = `"${meta.etag}"`;
  const location = objectUrl(c, key);
  const common = {
    ETag: etag,
    Location: location,
    'x-amz-version-id': versionIdHeader(bucket, meta.versionId),
    [REQUEST_CHARGED_HEADER]: requesterPaid ? 'requester' : undefined,
  };
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  const target = redirect !== undefined ? redirectTarget(redirect, bucket.name, key, meta.etag) : undefined;
  if (target) return { status: 303, headers: { ...common, Location: target } };
  const status = fields.get('success_action_status');
  if (status === '200') return { status: 200, headers: common };
  if (status === '201') {
    const xml = buildXml('PostResponse', { Location: location, Bucket: bucket.name, Key: key, ETag: etag });
    return xmlResponse(xml, 201, common);
  }
  return { status: 204, headers: common };
};
