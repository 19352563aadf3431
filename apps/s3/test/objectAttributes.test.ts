/**
 * GetObjectAttributes through @aws-sdk/client-s3 (and raw HTTP for the wire details): every
 * attribute, ObjectParts paging with per-part checksums, versions and delete markers, errors,
 * and the permissions AWS documents (s3:GetObjectAttributes and s3:GetObject, or ACL READ).
 */
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { parseS3Error, rawRequest } from './helpers/rawRequest';
import { s3Err } from './helpers/s3Error';
import { startTestServer, type TestServer } from './helpers/server';

const ALICE = { id: 'alice', accessKeyId: 'ALICEATTRKEY00000001', secretAccessKey: 'alice-attr-secret-000000000000000000000' };
const ALL = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
const MiB = 1024 * 1024;
const B = 'attrs';

let ts: TestServer;
let s3: S3Client;
let alice: S3Client;

beforeAll(async () => {
  ts = await startTestServer({ users: [ALICE] });
  s3 = ts.client();
  alice = ts.client({ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey });
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});
afterAll(() => ts.stop());

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const sha256b64 = (b: Buffer | string) => createHash('sha256').update(b).digest('base64');

test('a single-PUT object: ETag unquoted, Checksum with its type, class, size; no ObjectParts; Last-Modified', async () => {
  const put = await s3.send(
    new PutObjectCommand({ Bucket: B, Key: 'single', Body: 'hello attributes', ChecksumAlgorithm: 'SHA256', StorageClass: 'STANDARD_IA' }),
  );
  const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'single', ObjectAttributes: [...ALL] }));
  expect(r.ETag).toBe(md5('hello attributes'));
  expect(`"${r.ETag}"`).toBe(put.ETag);
  expect(r.Checksum).toEqual({ ChecksumSHA256: sha256b64('hello attributes'), ChecksumType: 'FULL_OBJECT' });
  expect(r.ObjectParts).toBeUndefined();
  expect(r.StorageClass).toBe('STANDARD_IA');
  expect(r.ObjectSize).toBe(16);
  expect(r.LastModified).toBeInstanceOf(Date);
  expect(r.VersionId).toBeUndefined(); // never-versioned bucket

  const some = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'single', ObjectAttributes: ['ObjectSize'] }));
  expect([some.ObjectSize, some.ETag, some.Checksum, some.StorageClass]).toEqual([16, undefined, undefined, undefined]);
});

test('a composite-checksum multipart object: PartsCount, per-part checksums, paging by marker and max-parts', async () => {
  const parts = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.from('tail')];
  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mpu', ChecksumAlgorithm: 'SHA256' }));
  const done = [];
  for (let i = 0; i < parts.length; i++) {
    const p = await s3.send(
      new UploadPartCommand({ Bucket: B, Key: 'mpu', UploadId: up.UploadId, PartNumber: i + 1, Body: parts[i], ChecksumAlgorithm: 'SHA256' }),
    );
    expect(p.ChecksumSHA256).toBe(sha256b64(parts[i]));
    done.push({ PartNumber: i + 1, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256 });
  }
  const complete = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'mpu', UploadId: up.UploadId, MultipartUpload: { Parts: done } }));

  const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'mpu', ObjectAttributes: [...ALL] }));
  expect(`"${r.ETag}"`).toBe(complete.ETag);
  expect(r.ETag).toMatch(/-3$/);
  expect(r.Checksum).toEqual({ ChecksumSHA256: complete.ChecksumSHA256, ChecksumType: 'COMPOSITE' });
  expect(r.ObjectSize).toBe(10 * MiB + 4);
  expect(r.ObjectParts).toEqual({
    TotalPartsCount: 3,
    PartNumberMarker: '0',
    NextPartNumberMarker: '3',
    MaxParts: 1000,
    IsTruncated: false,
    Parts: parts.map((p, i) => ({ PartNumber: i + 1, Size: p.length, ChecksumSHA256: sha256b64(p) })),
  });

  const page1 = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'mpu', ObjectAttributes: ['ObjectParts'], MaxParts: 2 }));
  expect(page1.ObjectParts).toMatchObject({ TotalPartsCount: 3, MaxParts: 2, IsTruncated: true, NextPartNumberMarker: '2' });
  expect(page1.ObjectParts!.Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
  const page2 = await s3.send(
    new GetObjectAttributesCommand({
      Bucket: B,
      Key: 'mpu',
      ObjectAttributes: ['ObjectParts'],
      MaxParts: 2,
      PartNumberMarker: page1.ObjectParts!.NextPartNumberMarker,
    }),
  );
  expect(page2.ObjectParts).toMatchObject({ TotalPartsCount: 3, PartNumberMarker: '2', IsTruncated: false, NextPartNumberMarker: '3' });
  expect(page2.ObjectParts!.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([[3, 4]]);
});

test('a FULL_OBJECT (CRC32) multipart object lists each part with its own checksum', async () => {
  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'full', ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
  const p1 = await s3.send(
    new UploadPartCommand({ Bucket: B, Key: 'full', UploadId: up.UploadId, PartNumber: 1, Body: 'only part', ChecksumAlgorithm: 'CRC32' }),
  );
  const done = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: B,
      Key: 'full',
      UploadId: up.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }] },
    }),
  );
  const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'full', ObjectAttributes: ['Checksum', 'ObjectParts'] }));
  expect(r.Checksum).toEqual({ ChecksumCRC32: done.ChecksumCRC32, ChecksumType: 'FULL_OBJECT' });
  expect(r.ObjectParts!.Parts).toEqual([{ PartNumber: 1, Size: 9, ChecksumCRC32: p1.ChecksumCRC32 }]);
});

test('a multipart object without a checksum: PartsCount but no Part list (S3 lists parts only with a checksum)', async () => {
  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'plain-mpu' }));
  const body = [Buffer.alloc(5 * MiB, 3), Buffer.from('end')];
  const done = [];
  for (let i = 0; i < body.length; i++)
    done.push({
      PartNumber: i + 1,
      ETag: (await s3.send(new UploadPartCommand({ Bucket: B, Key: 'plain-mpu', UploadId: up.UploadId, PartNumber: i + 1, Body: body[i] }))).ETag,
    });
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'plain-mpu', UploadId: up.UploadId, MultipartUpload: { Parts: done } }));
  const r = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'plain-mpu', ObjectAttributes: [...ALL] }));
  expect(r.Checksum).toBeUndefined();
  expect(r.ObjectParts!.TotalPartsCount).toBe(2);
  expect(r.ObjectParts!.Parts).toBeUndefined();
  expect(r.ObjectSize).toBe(5 * MiB + 3);
});

test('versions: versionId, x-amz-version-id, and a delete marker is 404 with x-amz-delete-marker', async () => {
  const V = 'attrs-versioned';
  await s3.send(new CreateBucketCommand({ Bucket: V }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: V, VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = (await s3.send(new PutObjectCommand({ Bucket: V, Key: 'k', Body: 'one' }))).VersionId!;
  const v2 = (await s3.send(new PutObjectCommand({ Bucket: V, Key: 'k', Body: 'second' }))).VersionId!;
  const latest = await s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'k', ObjectAttributes: ['ObjectSize', 'ETag'] }));
  expect([latest.VersionId, latest.ObjectSize, latest.ETag]).toEqual([v2, 6, md5('second')]);
  const old = await s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'k', VersionId: v1, ObjectAttributes: ['ObjectSize'] }));
  expect([old.VersionId, old.ObjectSize]).toEqual([v1, 3]);

  const marker = await s3.send(new DeleteObjectCommand({ Bucket: V, Key: 'k' }));
  const raw = await rawRequest(ts.endpoint, { path: `/${V}/k`, query: 'attributes', headers: { 'x-amz-object-attributes': 'ObjectSize' } });
  expect([raw.status, parseS3Error(raw.body).code, raw.headers['x-amz-delete-marker'], raw.headers['x-amz-version-id']]).toEqual([
    404,
    'NoSuchKey',
    'true',
    marker.VersionId,
  ]);
  const e = await s3Err(s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'k', ObjectAttributes: ['ObjectSize'] })));
  expect([e.name, e.$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
  // The old version is still there by id.
  expect((await s3.send(new GetObjectAttributesCommand({ Bucket: V, Key: 'k', VersionId: v1, ObjectAttributes: ['ObjectSize'] }))).ObjectSize).toBe(3);
});

test('wire format and errors: the document, a missing or unknown attribute, a missing key', async () => {
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'wire', Body: 'abc' }));
  const ok = await rawRequest(ts.endpoint, { path: `/${B}/wire`, query: 'attributes', headers: { 'x-amz-object-attributes': 'ETag,ObjectSize' } });
  expect(ok.status).toBe(200);
  expect(ok.body).toBe(
    `<?xml version="1.0" encoding="UTF-8"?><GetObjectAttributesResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>${md5('abc')}</ETag><ObjectSize>3</ObjectSize></GetObjectAttributesResponse>`,
  );
  expect(ok.headers['last-modified']).toMatch(/GMT$/);
  const missing = await rawRequest(ts.endpoint, { path: `/${B}/wire`, query: 'attributes' });
  expect([missing.status, parseS3Error(missing.body).code]).toEqual([400, 'InvalidRequest']);
  const bad = await s3Err(s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'wire', ObjectAttributes: ['ObjectSize', 'Colour' as 'ObjectSize'] })));
  expect([bad.name, bad.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
  const badMax = await rawRequest(ts.endpoint, {
    path: `/${B}/wire`,
    query: 'attributes',
    headers: { 'x-amz-object-attributes': 'ObjectParts', 'x-amz-max-parts': 'lots' },
  });
  expect([badMax.status, parseS3Error(badMax.body).code]).toEqual([400, 'InvalidArgument']);
  const nokey = await s3Err(s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'nope', ObjectAttributes: ['ETag'] })));
  expect([nokey.name, nokey.$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
});

test('permissions: s3:GetObjectAttributes and s3:GetObject both needed; the object ACL READ grants it', async () => {
  const P = 'attrs-perm';
  await s3.send(new CreateBucketCommand({ Bucket: P }));
  await s3.send(new PutObjectCommand({ Bucket: P, Key: 'k', Body: 'x' }));
  const call = () =>
    alice.send(new GetObjectAttributesCommand({ Bucket: P, Key: 'k', ObjectAttributes: ['ObjectSize'] })).then(
      (r) => r.ObjectSize,
      (e: { name: string }) => e.name,
    );
  expect(await call()).toBe('AccessDenied');
  const allow = (actions: string[]) =>
    s3.send(
      new PutBucketPolicyCommand({
        Bucket: P,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: 'alice' }, Action: actions, Resource: `arn:aws:s3:::${P}/*` }],
        }),
      }),
    );
  await allow(['s3:GetObjectAttributes']);
  expect(await call()).toBe('AccessDenied');
  await allow(['s3:GetObject']);
  expect(await call()).toBe('AccessDenied');
  await allow(['s3:GetObject', 's3:GetObjectAttributes']);
  expect(await call()).toBe(1);
  await allow(['s3:GetObjectTagging']);
  expect(await call()).toBe('AccessDenied');
  await s3.send(new PutObjectAclCommand({ Bucket: P, Key: 'k', GrantRead: 'id="alice"', GrantFullControl: 'id="root"' }));
  expect(await call()).toBe(1);
});
