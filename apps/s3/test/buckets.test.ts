/**
 * Buckets through @aws-sdk/client-s3: create / head / location / list (paging) / delete, the
 * errors S3 gives, and owner isolation between two provisioned users.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  GetObjectCommand,
  DeleteObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';
import { rawRequest } from './helpers/rawRequest';

const ALICE = {
  id: 'alice',
  displayName: 'Alice',
  email: 'alice@example.com',
  accessKeyId: 'ALICEKEY000000000001',
  secretAccessKey: 'alice-secret-0000000000000000000000000',
};
const BOB = { id: 'bob', displayName: 'Bob', accessKeyId: 'BOBKEY00000000000001', secretAccessKey: 'bob-secret-00000000000000000000000000' };

let ts: TestServer;
let root: S3Client;
let alice: S3Client;
let bob: S3Client;

beforeAll(async () => {
  ts = await startTestServer({ users: [ALICE, BOB] });
  root = ts.client();
  alice = ts.client({ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey });
  bob = ts.client({ accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey });
});
afterAll(async () => ts?.stop());

test('create, head, location, list, delete', async () => {
  const created = await root.send(new CreateBucketCommand({ Bucket: 'crud-bucket' }));
  expect(created.Location).toBe('/crud-bucket');
  const head = await root.send(new HeadBucketCommand({ Bucket: 'crud-bucket' }));
  expect(head.BucketRegion).toBe('us-east-1');
  const loc = await root.send(new GetBucketLocationCommand({ Bucket: 'crud-bucket' }));
  expect(loc.LocationConstraint).toBeUndefined(); // us-east-1 is reported as empty, as S3 does
  const list = await root.send(new ListBucketsCommand({}));
  expect(list.Buckets?.map((b) => b.Name)).toContain('crud-bucket');
  expect(list.Owner).toEqual({ ID: 'root', DisplayName: expect.any(String) });
  const b = list.Buckets!.find((x) => x.Name === 'crud-bucket')!;
  expect(b.CreationDate).toBeInstanceOf(Date);
  const del = await root.send(new DeleteBucketCommand({ Bucket: 'crud-bucket' }));
  expect(del.$metadata.httpStatusCode).toBe(204);
  expect((await s3Err(root.send(new HeadBucketCommand({ Bucket: 'crud-bucket' })))).$metadata.httpStatusCode).toBe(404);
});

test('CreateBucket with a LocationConstraint equal to the region, empty, or invalid', async () => {
  const raw = (name: string, body: string) => rawRequest(ts.endpoint, { method: 'PUT', path: `/${name}`, body });
  const cfg = (lc: string) =>
    `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${lc}</LocationConstraint></CreateBucketConfiguration>`;
  expect((await raw('loc-same', cfg('us-east-1'))).status).toBe(200);
  expect((await raw('loc-empty', cfg(''))).status).toBe(200);
  const bad = await raw('loc-bad', cfg('mars-north-1'));
  expect(bad.status).toBe(400);
  expect(bad.body).toContain('<Code>InvalidLocationConstraint</Code>');
  expect((await s3Err(root.send(new HeadBucketCommand({ Bucket: 'loc-bad' })))).$metadata.httpStatusCode).toBe(404);
});

test('re-creating your own bucket (200 in us-east-1, see s3Compat.test.ts) vs BucketAlreadyExists', async () => {
  await alice.send(new CreateBucketCommand({ Bucket: 'alice-owned' }));
  const mine = await alice.send(new CreateBucketCommand({ Bucket: 'alice-owned' }));
  expect(mine.$metadata.httpStatusCode).toBe(200);
  const theirs = await s3Err(bob.send(new CreateBucketCommand({ Bucket: 'alice-owned' })));
  expect(theirs.name).toBe('BucketAlreadyExists');
  expect(theirs.$metadata.httpStatusCode).toBe(409);
});

test('InvalidBucketName, NoSuchBucket, BucketNotEmpty', async () => {
  expect((await s3Err(root.send(new CreateBucketCommand({ Bucket: 'Invalid_Name' })))).name).toBe('InvalidBucketName');
  expect((await s3Err(root.send(new DeleteBucketCommand({ Bucket: 'never-existed' })))).name).toBe('NoSuchBucket');
  await root.send(new CreateBucketCommand({ Bucket: 'not-empty' }));
  await root.send(new PutObjectCommand({ Bucket: 'not-empty', Key: 'k', Body: 'x' }));
  const e = await s3Err(root.send(new DeleteBucketCommand({ Bucket: 'not-empty' })));
  expect(e.name).toBe('BucketNotEmpty');
  expect(e.$metadata.httpStatusCode).toBe(409);
  await root.send(new DeleteObjectCommand({ Bucket: 'not-empty', Key: 'k' }));
  await root.send(new DeleteBucketCommand({ Bucket: 'not-empty' }));
});

test('owners are isolated: lists show only your buckets; others get AccessDenied', async () => {
  await bob.send(new CreateBucketCommand({ Bucket: 'bob-private' }));
  await bob.send(new PutObjectCommand({ Bucket: 'bob-private', Key: 'secret', Body: 'bob only' }));
  const aliceList = await alice.send(new ListBucketsCommand({}));
  expect(aliceList.Buckets?.map((b) => b.Name)).toEqual(['alice-owned']);
  expect(aliceList.Owner).toEqual({ ID: 'alice', DisplayName: 'Alice' });
  const bobList = await bob.send(new ListBucketsCommand({}));
  expect(bobList.Buckets?.map((b) => b.Name)).toEqual(['bob-private']);
  for (const p of [
    alice.send(new GetObjectCommand({ Bucket: 'bob-private', Key: 'secret' })),
    alice.send(new PutObjectCommand({ Bucket: 'bob-private', Key: 'x', Body: 'x' })),
    alice.send(new ListObjectsV2Command({ Bucket: 'bob-private' })),
    alice.send(new DeleteBucketCommand({ Bucket: 'bob-private' })),
  ]) {
    const e = await s3Err(p);
    expect(e.name).toBe('AccessDenied');
    expect(e.$metadata.httpStatusCode).toBe(403);
  }
  expect((await s3Err(alice.send(new HeadBucketCommand({ Bucket: 'bob-private' })))).$metadata.httpStatusCode).toBe(403);
});

test('x-amz-expected-bucket-owner mismatch → AccessDenied', async () => {
  const e = await s3Err(bob.send(new HeadBucketCommand({ Bucket: 'bob-private', ExpectedBucketOwner: 'alice' })));
  expect(e.$metadata.httpStatusCode).toBe(403);
  const ok = await bob.send(new HeadBucketCommand({ Bucket: 'bob-private', ExpectedBucketOwner: 'bob' }));
  expect(ok.$metadata.httpStatusCode).toBe(200);
});

test('ListBuckets paging: max-buckets, continuation-token, prefix', async () => {
  const names = Array.from({ length: 7 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
  for (const n of names) await alice.send(new CreateBucketCommand({ Bucket: n }));
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await alice.send(new ListBucketsCommand({ MaxBuckets: 3, ContinuationToken: token, Prefix: 'page-' }));
    expect(page.Buckets!.length).toBeLessThanOrEqual(3);
    expect(page.Prefix).toBe('page-');
    seen.push(...page.Buckets!.map((b) => b.Name!));
    token = page.ContinuationToken;
    pages++;
  } while (token);
  expect(pages).toBe(3);
  expect(seen).toEqual(names);
  const bad = await rawRequest(ts.endpoint, {
    method: 'GET',
    path: '/',
    query: { 'max-buckets': '0' },
    accessKeyId: ALICE.accessKeyId,
    secretAccessKey: ALICE.secretAccessKey,
  });
  expect(bad.status).toBe(400);
  expect(bad.body).toContain('<Code>InvalidArgument</Code>');
});

test('ListBuckets needs a signed request', async () => {
  const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/', auth: 'none' });
  expect(r.status).toBe(403);
  expect(r.body).toContain('<Code>AccessDenied</Code>');
});
