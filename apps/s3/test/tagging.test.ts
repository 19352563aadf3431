/** Object and bucket tagging through @aws-sdk/client-s3 (limits, versions, PUT/copy headers). */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { useTestServer } from './helpers/suiteServer';
import { s3Err } from './helpers/s3Error';

let s3: S3Client;

useTestServer((env) => (s3 = env.s3), { buckets: ['tags'] });

test('x-amz-tagging on PUT, tagging count on GET/HEAD, Get/Put/DeleteObjectTagging', async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'k', Body: 'x', Tagging: 'a=1&b%20c=d%2Be&empty=' }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'tags', Key: 'k' }));
  expect(head.$metadata.httpStatusCode).toBe(200);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'tags', Key: 'k' }));
  expect(get.TagCount).toBe(3);
  await get.Body!.transformToString();
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'k' }))).TagSet).toEqual([
    { Key: 'a', Value: '1' },
    { Key: 'b c', Value: 'd+e' },
    { Key: 'empty', Value: '' },
  ]);
  await s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'k', Tagging: { TagSet: [{ Key: 'ünï', Value: 'v:/@=+-._ ' }] } }));
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'k' }))).TagSet).toEqual([{ Key: 'ünï', Value: 'v:/@=+-._ ' }]);
  await s3.send(new DeleteObjectTaggingCommand({ Bucket: 'tags', Key: 'k' }));
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'k' }))).TagSet).toEqual([]);
  const g2 = await s3.send(new GetObjectCommand({ Bucket: 'tags', Key: 'k' }));
  expect(g2.TagCount).toBeUndefined();
  await g2.Body!.transformToString();
  expect((await s3Err(s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'missing' })))).name).toBe('NoSuchKey');
});

test('S3 tag limits → InvalidTag', async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'lim', Body: 'x' }));
  const bad = [
    Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
    [{ Key: 'aws:reserved', Value: 'v' }],
    [
      { Key: 'dup', Value: '1' },
      { Key: 'dup', Value: '2' },
    ],
    [{ Key: 'k'.repeat(129), Value: '' }],
    [{ Key: 'k', Value: 'v'.repeat(257) }],
    [{ Key: 'bad*char', Value: '' }],
  ];
  for (const TagSet of bad) {
    const e = await s3Err(s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'lim', Tagging: { TagSet } })));
    expect(e.name).toBe('InvalidTag');
    expect(e.$metadata.httpStatusCode).toBe(400);
  }
  await s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'lim', Tagging: { TagSet: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }] } }));
  expect((await s3Err(s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'lim2', Body: 'x', Tagging: 'aws:x=1' })))).name).toBe('InvalidTag');
});

test('tagging by version id, and copy with x-amz-tagging-directive', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'tagsv' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'tagsv', VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = await s3.send(new PutObjectCommand({ Bucket: 'tagsv', Key: 'k', Body: '1', Tagging: 'gen=1' }));
  const v2 = await s3.send(new PutObjectCommand({ Bucket: 'tagsv', Key: 'k', Body: '2', Tagging: 'gen=2' }));
  const t1 = await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagsv', Key: 'k', VersionId: v1.VersionId }));
  expect(t1.TagSet).toEqual([{ Key: 'gen', Value: '1' }]);
  expect(t1.VersionId).toBe(v1.VersionId);
  const put = await s3.send(
    new PutObjectTaggingCommand({ Bucket: 'tagsv', Key: 'k', VersionId: v1.VersionId, Tagging: { TagSet: [{ Key: 'gen', Value: 'one' }] } }),
  );
  expect(put.VersionId).toBe(v1.VersionId);
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagsv', Key: 'k' }))).TagSet).toEqual([{ Key: 'gen', Value: '2' }]);
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagsv', Key: 'k', VersionId: v1.VersionId }))).TagSet).toEqual([{ Key: 'gen', Value: 'one' }]);
  expect(v2.VersionId).toBeDefined();

  await s3.send(new CopyObjectCommand({ Bucket: 'tagsv', Key: 'copy', CopySource: 'tagsv/k' }));
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagsv', Key: 'copy' }))).TagSet).toEqual([{ Key: 'gen', Value: '2' }]);
  await s3.send(new CopyObjectCommand({ Bucket: 'tagsv', Key: 'copy2', CopySource: 'tagsv/k', TaggingDirective: 'REPLACE', Tagging: 'new=yes' }));
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagsv', Key: 'copy2' }))).TagSet).toEqual([{ Key: 'new', Value: 'yes' }]);
  await s3.send(new CopyObjectCommand({ Bucket: 'tagsv', Key: 'copy3', CopySource: 'tagsv/k', TaggingDirective: 'REPLACE' }));
  expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagsv', Key: 'copy3' }))).TagSet).toEqual([]);
});

test('bucket tagging: NoSuchTagSet, put/get/delete, 50-tag limit', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'btags' }));
  const none = await s3Err(s3.send(new GetBucketTaggingCommand({ Bucket: 'btags' })));
  expect(none.name).toBe('NoSuchTagSet');
  expect(none.$metadata.httpStatusCode).toBe(404);
  await s3.send(new PutBucketTaggingCommand({ Bucket: 'btags', Tagging: { TagSet: [{ Key: 'team', Value: 'storage' }] } }));
  expect((await s3.send(new GetBucketTaggingCommand({ Bucket: 'btags' }))).TagSet).toEqual([{ Key: 'team', Value: 'storage' }]);
  const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: `${i}` }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: 'btags', Tagging: { TagSet: fifty } }));
  expect((await s3.send(new GetBucketTaggingCommand({ Bucket: 'btags' }))).TagSet).toHaveLength(50);
  expect((await s3Err(s3.send(new PutBucketTaggingCommand({ Bucket: 'btags', Tagging: { TagSet: [...fifty, { Key: 'x', Value: '' }] } })))).name).toBe(
    'InvalidTag',
  );
  const del = await s3.send(new DeleteBucketTaggingCommand({ Bucket: 'btags' }));
  expect(del.$metadata.httpStatusCode).toBe(204);
  expect((await s3Err(s3.send(new GetBucketTaggingCommand({ Bucket: 'btags' })))).name).toBe('NoSuchTagSet');
});
