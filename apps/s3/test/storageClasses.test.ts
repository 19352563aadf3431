/**
 * Storage classes through @aws-sdk/client-s3: every class S3 accepts on PUT is stored and
 * returned (HEAD, GET, ListObjectsV2, ListObjectVersions), changed by copy-in-place, set on
 * multipart create; anything else is InvalidStorageClass. GLACIER / DEEP_ARCHIVE objects are
 * served directly (Cairn keeps every class online; S3 would answer InvalidObjectState).
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { useTestServer } from './helpers/suiteServer';

let s3: S3Client;
useTestServer((env) => (s3 = env.s3), { buckets: ['classes'] });

const CLASSES: StorageClass[] = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'OUTPOSTS',
];

test('every class is stored and returned by HEAD, GET and both listings', async () => {
  for (const c of CLASSES) await s3.send(new PutObjectCommand({ Bucket: 'classes', Key: `k-${c}`, Body: c, StorageClass: c }));
  for (const c of CLASSES) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'classes', Key: `k-${c}` }));
    // S3 omits the header for STANDARD.
    expect(head.StorageClass).toBe(c === 'STANDARD' ? undefined : c);
    const get = await s3.send(new GetObjectCommand({ Bucket: 'classes', Key: `k-${c}` }));
    expect(await get.Body!.transformToString()).toBe(c);
  }
  const list = await s3.send(new ListObjectsV2Command({ Bucket: 'classes', Prefix: 'k-' }));
  expect(Object.fromEntries(list.Contents!.map((o) => [o.Key, o.StorageClass]))).toEqual(Object.fromEntries(CLASSES.map((c) => [`k-${c}`, c])));
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'classes', Prefix: 'k-' }));
  expect(Object.fromEntries(versions.Versions!.map((o) => [o.Key, o.StorageClass]))).toEqual(Object.fromEntries(CLASSES.map((c) => [`k-${c}`, c])));
});

test('an unknown class is InvalidStorageClass (PUT, copy, multipart create)', async () => {
  const bad = 'FROZEN' as StorageClass;
  const errs: S3ServiceException[] = [];
  for (const send of [
    () => s3.send(new PutObjectCommand({ Bucket: 'classes', Key: 'bad', Body: 'x', StorageClass: bad })),
    () => s3.send(new CopyObjectCommand({ Bucket: 'classes', Key: 'bad', CopySource: 'classes/k-STANDARD', StorageClass: bad })),
    () => s3.send(new CreateMultipartUploadCommand({ Bucket: 'classes', Key: 'bad', StorageClass: bad })),
  ]) {
    errs.push(
      await send().then(
        () => new Error('expected InvalidStorageClass') as S3ServiceException,
        (e: S3ServiceException) => e,
      ),
    );
  }
  for (const e of errs) {
    expect(e.name).toBe('InvalidStorageClass');
    expect(e.$metadata.httpStatusCode).toBe(400);
  }
});

test('copy in place changing only the class is legal; multipart create sets the class', async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'classes', Key: 'move', Body: 'data' }));
  await s3.send(new CopyObjectCommand({ Bucket: 'classes', Key: 'move', CopySource: 'classes/move', StorageClass: 'STANDARD_IA' }));
  expect((await s3.send(new HeadObjectCommand({ Bucket: 'classes', Key: 'move' }))).StorageClass).toBe('STANDARD_IA');
  // Same class again without other changes: S3's "copy to itself" error.
  const same = await s3
    .send(new CopyObjectCommand({ Bucket: 'classes', Key: 'move', CopySource: 'classes/move', StorageClass: 'STANDARD_IA' }))
    .catch((e: S3ServiceException) => e);
  expect((same as S3ServiceException).name).toBe('InvalidRequest');

  const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'classes', Key: 'mp', StorageClass: 'GLACIER_IR' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: 'classes', Key: 'mp', UploadId: mp.UploadId, PartNumber: 1, Body: 'only part' }));
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'classes',
      Key: 'mp',
      UploadId: mp.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  expect((await s3.send(new HeadObjectCommand({ Bucket: 'classes', Key: 'mp' }))).StorageClass).toBe('GLACIER_IR');
});
