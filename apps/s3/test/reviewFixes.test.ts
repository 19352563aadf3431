/**
 * Regression tests for defects found in the S3-behaviour review (one test per fix).
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';

let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

async function multipartPut(bucket: string, key: string): Promise<string | undefined> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'hello' }));
  const done = await s3.send(
    new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
  );
  return done.VersionId;
}

test('CompleteMultipartUpload: x-amz-version-id "null" in a Suspended bucket, none in an unversioned one', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'rv-mpu' }));
  expect(await multipartPut('rv-mpu', 'a')).toBeUndefined();
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'rv-mpu', VersioningConfiguration: { Status: 'Enabled' } }));
  expect(await multipartPut('rv-mpu', 'a')).toMatch(/^[0-9a-f]{24}$/);
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'rv-mpu', VersioningConfiguration: { Status: 'Suspended' } }));
  expect(await multipartPut('rv-mpu', 'a')).toBe('null');
});

test('UploadPartCopy names the source version like CopyObject: "null" from a versioning-configured bucket, nothing from an unversioned one', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'rv-src-plain' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'rv-src-susp' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'rv-src-susp', VersioningConfiguration: { Status: 'Suspended' } }));
  await s3.send(new CreateBucketCommand({ Bucket: 'rv-dst' }));
  for (const b of ['rv-src-plain', 'rv-src-susp']) await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'source bytes' }));
  const partCopy = async (srcBucket: string) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'rv-dst', Key: 'k' }));
    return (await s3.send(new UploadPartCopyCommand({ Bucket: 'rv-dst', Key: 'k', UploadId, PartNumber: 1, CopySource: `${srcBucket}/src` })))
      .CopySourceVersionId;
  };
  const objectCopy = async (srcBucket: string) =>
    (await s3.send(new CopyObjectCommand({ Bucket: 'rv-dst', Key: 'c', CopySource: `${srcBucket}/src` }))).CopySourceVersionId;
  expect(await partCopy('rv-src-plain')).toBeUndefined();
  expect(await objectCopy('rv-src-plain')).toBeUndefined();
  expect(await partCopy('rv-src-susp')).toBe('null');
  expect(await objectCopy('rv-src-susp')).toBe('null');
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'rv-src-susp', VersioningConfiguration: { Status: 'Enabled' } }));
  const v = (await s3.send(new PutObjectCommand({ Bucket: 'rv-src-susp', Key: 'src', Body: 'newer' }))).VersionId;
  expect(await partCopy('rv-src-susp')).toBe(v);
});
