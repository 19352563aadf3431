/**
 * Object Lock through @aws-sdk/client-s3: lock-enabled buckets, configuration with default
 * retention, retention / legal hold per version, deletion refused while locked, GOVERNANCE
 * bypass, x-amz-object-lock-* headers on PUT / GET / HEAD, multipart create.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  PutBucketPolicyCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';
import { rawRequest } from './helpers/rawRequest';

let ts: TestServer;
let s3: S3Client;

const inAMinute = () => new Date(Date.now() + 60_000);
const BOB = { id: 'bob', accessKeyId: 'BOBKEY00000000000001', secretAccessKey: 'bob-secret-0000000000000000000000000000' };

beforeAll(async () => {
  ts = await startTestServer({ users: [BOB] });
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: 'lock', ObjectLockEnabledForBucket: true }));
});
afterAll(async () => ts?.stop());

test('a lock bucket: configuration, default retention, versioning cannot be suspended', async () => {
  expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'lock' }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
  const susp = await s3Err(s3.send(new PutBucketVersioningCommand({ Bucket: 'lock', VersioningConfiguration: { Status: 'Suspended' } })));
  expect(susp.name).toBe('InvalidBucketState');
  expect(susp.$metadata.httpStatusCode).toBe(409);
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: 'lock',
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
    }),
  );
  expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'lock' }))).ObjectLockConfiguration).toEqual({
    ObjectLockEnabled: 'Enabled',
    Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
  });
  const put = await s3.send(new PutObjectCommand({ Bucket: 'lock', Key: 'default', Body: 'x' }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'lock', Key: 'default' }));
  expect(head.ObjectLockMode).toBe('GOVERNANCE');
  expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
  const denied = await s3Err(s3.send(new DeleteObjectCommand({ Bucket: 'lock', Key: 'default', VersionId: put.VersionId })));
  expect(denied.name).toBe('AccessDenied');
  expect(denied.$metadata.httpStatusCode).toBe(403);
  // A delete marker is always allowed; bypassing GOVERNANCE removes the version.
  expect((await s3.send(new DeleteObjectCommand({ Bucket: 'lock', Key: 'default' }))).DeleteMarker).toBe(true);
  await s3.send(new DeleteObjectCommand({ Bucket: 'lock', Key: 'default', VersionId: put.VersionId, BypassGovernanceRetention: true }));
  await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'lock', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));

  await s3.send(new CreateBucketCommand({ Bucket: 'nolock' }));
  expect((await s3Err(s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'nolock' })))).name).toBe('ObjectLockConfigurationNotFoundError');
  const notVersioned = await s3Err(
    s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'nolock', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })),
  );
  expect(notVersioned.name).toBe('InvalidBucketState');
  await s3.send(new PutObjectCommand({ Bucket: 'nolock', Key: 'k', Body: 'x' }));
  expect(
    (await s3Err(s3.send(new PutObjectRetentionCommand({ Bucket: 'nolock', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inAMinute() } })))).name,
  ).toBe('InvalidRequest');
  expect((await s3Err(s3.send(new PutObjectCommand({ Bucket: 'nolock', Key: 'k2', Body: 'x', ObjectLockLegalHoldStatus: 'ON' })))).name).toBe('InvalidRequest');
});

test('retention and legal hold per version; COMPLIANCE is never bypassed', async () => {
  const c = await s3.send(new PutObjectCommand({ Bucket: 'lock', Key: 'c', Body: 'x', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: inAMinute() }));
  const r = await s3.send(new GetObjectRetentionCommand({ Bucket: 'lock', Key: 'c', VersionId: c.VersionId }));
  expect(r.Retention?.Mode).toBe('COMPLIANCE');
  expect((await s3Err(s3.send(new DeleteObjectCommand({ Bucket: 'lock', Key: 'c', VersionId: c.VersionId, BypassGovernanceRetention: true })))).name).toBe(
    'AccessDenied',
  );
  const shorten = await s3Err(
    s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'lock',
        Key: 'c',
        BypassGovernanceRetention: true,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 1000) },
      }),
    ),
  );
  expect(shorten.name).toBe('AccessDenied');

  const g = await s3.send(
    new PutObjectCommand({
      Bucket: 'lock',
      Key: 'g',
      Body: 'x',
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: inAMinute(),
      ObjectLockLegalHoldStatus: 'ON',
    }),
  );
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'lock', Key: 'g' }));
  expect(head.ObjectLockLegalHoldStatus).toBe('ON');
  expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: 'lock', Key: 'g' }))).LegalHold?.Status).toBe('ON');
  const multi = await s3.send(
    new DeleteObjectsCommand({ Bucket: 'lock', BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'g', VersionId: g.VersionId }] } }),
  );
  expect(multi.Errors?.[0]).toMatchObject({ Key: 'g', Code: 'AccessDenied' });
  await s3.send(new PutObjectLegalHoldCommand({ Bucket: 'lock', Key: 'g', LegalHold: { Status: 'OFF' } }));
  expect((await s3Err(s3.send(new DeleteObjectCommand({ Bucket: 'lock', Key: 'g', VersionId: g.VersionId })))).name).toBe('AccessDenied');
  const ok = await s3.send(
    new DeleteObjectsCommand({ Bucket: 'lock', BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'g', VersionId: g.VersionId }] } }),
  );
  expect(ok.Deleted?.[0]).toMatchObject({ Key: 'g', VersionId: g.VersionId });
  expect((await s3Err(s3.send(new GetObjectRetentionCommand({ Bucket: 'lock', Key: 'nothing' })))).name).toBe('NoSuchKey');
});

test('lock headers on multipart create; PUT with lock headers needs an integrity header', async () => {
  const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lock', Key: 'mp', ObjectLockLegalHoldStatus: 'ON' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: 'lock', Key: 'mp', UploadId: mp.UploadId, PartNumber: 1, Body: 'p' }));
  await s3.send(
    new CompleteMultipartUploadCommand({ Bucket: 'lock', Key: 'mp', UploadId: mp.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
  );
  expect((await s3.send(new HeadObjectCommand({ Bucket: 'lock', Key: 'mp' }))).ObjectLockLegalHoldStatus).toBe('ON');

  const raw = await rawRequest(ts.endpoint, { method: 'PUT', path: '/lock/raw', body: 'x', headers: { 'x-amz-object-lock-legal-hold': 'ON' } });
  expect(raw.status).toBe(400);
  expect(raw.body).toContain('Content-MD5 OR x-amz-checksum-');
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: 'lock',
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
    }),
  );
  const byDefault = await rawRequest(ts.endpoint, { method: 'PUT', path: '/lock/raw-default', body: 'x' });
  expect(byDefault.status).toBe(400);
  await s3.send(new PutObjectLockConfigurationCommand({ Bucket: 'lock', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
  expect((await rawRequest(ts.endpoint, { method: 'PUT', path: '/lock/raw-default', body: 'x' })).status).toBe(200);
  const withMd5 = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/lock/raw',
    body: 'x',
    headers: { 'x-amz-object-lock-legal-hold': 'ON', 'Content-MD5': createHash('md5').update('x').digest('base64') },
  });
  expect(withMd5.status).toBe(200);
});

test('the bypass header counts only for callers allowed s3:BypassGovernanceRetention', async () => {
  const v = await s3.send(
    new PutObjectCommand({ Bucket: 'lock', Key: 'gov', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inAMinute() }),
  );
  const bob = ts.client({ accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey });
  const policy = (actions: string[]) =>
    s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'lock',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: actions, Resource: 'arn:aws:s3:::lock/*' }] }),
      }),
    );
  await policy(['s3:DeleteObjectVersion']);
  const denied = await s3Err(bob.send(new DeleteObjectCommand({ Bucket: 'lock', Key: 'gov', VersionId: v.VersionId, BypassGovernanceRetention: true })));
  expect(denied.name).toBe('AccessDenied');
  await policy(['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention']);
  await bob.send(new DeleteObjectCommand({ Bucket: 'lock', Key: 'gov', VersionId: v.VersionId, BypassGovernanceRetention: true }));
  await expect(s3.send(new HeadObjectCommand({ Bucket: 'lock', Key: 'gov', VersionId: v.VersionId }))).rejects.toMatchObject({
    $metadata: { httpStatusCode: 404 },
  });
});
