/** CopyObject through @aws-sdk/client-s3: COPY / REPLACE, conditions, encodings, self-copy, errors. */
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';
import { NASTY_KEYS } from './helpers/nastyKeys';

let ts: TestServer;
let s3: S3Client;
let srcEtag: string;
const data = randomBytes(1024 * 1024 + 333);

async function text(bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** x-amz-copy-source: bucket/key, each path segment URL-encoded. */
const source = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

beforeAll(async () => {
  ts = await startTestServer({ users: [{ id: 'other', accessKeyId: 'OTHERKEY000000000001', secretAccessKey: 'other-secret-000000000000000000000000' }] });
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: 'src' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'dst' }));
  const put = await s3.send(
    new PutObjectCommand({ Bucket: 'src', Key: 'orig', Body: data, ContentType: 'image/png', Metadata: { who: 'source' }, CacheControl: 'max-age=1' }),
  );
  srcEtag = put.ETag!;
});
afterAll(async () => ts?.stop());

test('COPY (default) keeps bytes and metadata; returns CopyObjectResult', async () => {
  const r = await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'copied', CopySource: source('src', 'orig') }));
  expect(r.CopyObjectResult?.ETag).toBe(srcEtag);
  expect(r.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
  expect((await text('dst', 'copied')).equals(data)).toBe(true);
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'copied' }));
  expect(head.ContentType).toBe('image/png');
  expect(head.Metadata).toEqual({ who: 'source' });
  expect(head.CacheControl).toBe('max-age=1');
});

test('leading slash form and REPLACE directive', async () => {
  await s3.send(
    new CopyObjectCommand({
      Bucket: 'dst',
      Key: 'replaced',
      CopySource: '/' + source('src', 'orig'),
      MetadataDirective: 'REPLACE',
      ContentType: 'text/plain',
      Metadata: { who: 'copy' },
    }),
  );
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'replaced' }));
  expect(head.ContentType).toBe('text/plain');
  expect(head.Metadata).toEqual({ who: 'copy' });
  expect(head.CacheControl).toBeUndefined();
  expect(head.ETag).toBe(srcEtag);
});

test('self-copy without changes → InvalidRequest; with REPLACE it works', async () => {
  const e = await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'src', Key: 'orig', CopySource: source('src', 'orig') })));
  expect(e.name).toBe('InvalidRequest');
  expect(e.$metadata.httpStatusCode).toBe(400);
  await s3.send(
    new CopyObjectCommand({
      Bucket: 'src',
      Key: 'orig',
      CopySource: source('src', 'orig'),
      MetadataDirective: 'REPLACE',
      Metadata: { who: 'again' },
      ContentType: 'image/png',
    }),
  );
  expect((await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'orig' }))).Metadata).toEqual({ who: 'again' });
  expect((await text('src', 'orig')).equals(data)).toBe(true);
});

test('x-amz-copy-source-if-* conditions', async () => {
  // An earlier test replaces src/orig in place; its Last-Modified may have moved to a later second.
  const srcLastModified = (await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'orig' }))).LastModified!;
  const ok = await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'c1', CopySource: source('src', 'orig'), CopySourceIfMatch: srcEtag }));
  expect(ok.CopyObjectResult?.ETag).toBe(srcEtag);
  const fails = [
    { CopySourceIfMatch: '"00000000000000000000000000000000"' },
    { CopySourceIfNoneMatch: srcEtag },
    { CopySourceIfUnmodifiedSince: new Date(srcLastModified.getTime() - 3600_000) },
    { CopySourceIfModifiedSince: srcLastModified },
  ];
  for (const cond of fails) {
    const e = await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'c-fail', CopySource: source('src', 'orig'), ...cond })));
    expect({ cond, status: e.$metadata.httpStatusCode, code: e.name }).toEqual({ cond, status: 412, code: 'PreconditionFailed' });
  }
  expect((await s3Err(s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'c-fail' })))).$metadata.httpStatusCode).toBe(404);
});

test('missing source → NoSuchKey; missing source bucket → NoSuchBucket; bad header → InvalidArgument; bad directive', async () => {
  expect((await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'x', CopySource: source('src', 'nope') })))).name).toBe('NoSuchKey');
  expect((await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'x', CopySource: source('no-such-src', 'k') })))).name).toBe('NoSuchBucket');
  expect((await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'x', CopySource: 'just-a-bucket' })))).name).toBe('InvalidArgument');
  expect(
    (await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'x', CopySource: source('src', 'orig'), MetadataDirective: 'MERGE' as 'COPY' })))).name,
  ).toBe('InvalidArgument');
});

test("copying from another user's bucket → AccessDenied", async () => {
  const other = ts.client({ accessKeyId: 'OTHERKEY000000000001', secretAccessKey: 'other-secret-000000000000000000000000' });
  await other.send(new CreateBucketCommand({ Bucket: 'other-dst' }));
  const e = await s3Err(other.send(new CopyObjectCommand({ Bucket: 'other-dst', Key: 'stolen', CopySource: source('src', 'orig') })));
  expect(e.name).toBe('AccessDenied');
});

test.each(NASTY_KEYS.map((k) => [k.name, k.key]))('nasty key %s as source and destination', async (_n, key) => {
  await s3.send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: `nasty ${key}` }));
  await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: key, CopySource: source('src', key) }));
  expect((await text('dst', key)).toString()).toBe(`nasty ${key}`);
});
