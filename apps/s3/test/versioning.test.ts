/**
 * Versioning through @aws-sdk/client-s3: bucket state, version ids on every response, delete
 * markers, GET/HEAD/DELETE/Copy by version, multi-object delete, ListObjectVersions paging.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  type ListObjectVersionsCommandOutput,
} from '@aws-sdk/client-s3';
import type { TestServer } from './helpers/server';
import { useTestServer } from './helpers/suiteServer';
import { s3Err } from './helpers/s3Error';
import { rawRequest } from './helpers/rawRequest';

let ts: TestServer;
let s3: S3Client;

async function body(bucket: string, key: string, versionId?: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return Buffer.from(await out.Body!.transformToByteArray()).toString();
}

const put = (bucket: string, key: string, data: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));
const versioning = (bucket: string, Status: 'Enabled' | 'Suspended') =>
  s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }));

useTestServer((env) => ({ ts, s3 } = env));

test('bucket versioning state: unversioned → Enabled ⇄ Suspended; MFA delete refused', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'vstate' }));
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vstate' }))).Status).toBeUndefined();
  await versioning('vstate', 'Enabled');
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vstate' }))).Status).toBe('Enabled');
  await versioning('vstate', 'Suspended');
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vstate' }))).Status).toBe('Suspended');
  const mfa = await s3Err(s3.send(new PutBucketVersioningCommand({ Bucket: 'vstate', VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Enabled' } })));
  expect(mfa.name).toBe('AccessDenied');
  const bad = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/vstate',
    query: 'versioning',
    body: '<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>',
  });
  expect(bad.status).toBe(400);
  expect(bad.body).toContain('MalformedXML');
});

test('versions, delete markers, GET/HEAD by version, undelete', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'vobj' }));
  const p0 = await put('vobj', 'k', 'before');
  expect(p0.VersionId).toBeUndefined(); // unversioned buckets never mention versions
  await versioning('vobj', 'Enabled');
  const p1 = await put('vobj', 'k', 'one');
  const p2 = await put('vobj', 'k', 'two');
  expect(p1.VersionId).toMatch(/^[0-9a-f]{24}$/);
  expect(p2.VersionId).not.toBe(p1.VersionId);
  expect(await body('vobj', 'k')).toBe('two');
  expect(await body('vobj', 'k', p1.VersionId)).toBe('one');
  expect(await body('vobj', 'k', 'null')).toBe('before');
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'vobj', Key: 'k', VersionId: p1.VersionId }));
  expect(head.VersionId).toBe(p1.VersionId);

  const del = await s3.send(new DeleteObjectCommand({ Bucket: 'vobj', Key: 'k' }));
  expect(del.DeleteMarker).toBe(true);
  expect(del.VersionId).toMatch(/^[0-9a-f]{24}$/);
  const gone = await s3Err(s3.send(new GetObjectCommand({ Bucket: 'vobj', Key: 'k' })));
  expect(gone.name).toBe('NoSuchKey');
  expect(gone.$response?.headers['x-amz-delete-marker']).toBe('true');
  expect(gone.$response?.headers['x-amz-version-id']).toBe(del.VersionId);
  const headGone = await s3Err(s3.send(new HeadObjectCommand({ Bucket: 'vobj', Key: 'k' })));
  expect(headGone.$metadata.httpStatusCode).toBe(404);
  expect(headGone.$response?.headers['x-amz-delete-marker']).toBe('true');
  const byMarker = await s3Err(s3.send(new GetObjectCommand({ Bucket: 'vobj', Key: 'k', VersionId: del.VersionId })));
  expect(byMarker.$metadata.httpStatusCode).toBe(405);
  expect(byMarker.name).toBe('MethodNotAllowed');
  expect(byMarker.$response?.headers['x-amz-delete-marker']).toBe('true');
  expect((await s3Err(s3.send(new GetObjectCommand({ Bucket: 'vobj', Key: 'k', VersionId: '0'.repeat(24) })))).name).toBe('NoSuchVersion');
  expect((await s3Err(s3.send(new GetObjectCommand({ Bucket: 'vobj', Key: 'k', VersionId: 'not-a-version' })))).name).toBe('InvalidArgument');
  expect((await s3.send(new ListObjectsV2Command({ Bucket: 'vobj' }))).KeyCount).toBe(0);

  // Deleting the marker undeletes.
  const undel = await s3.send(new DeleteObjectCommand({ Bucket: 'vobj', Key: 'k', VersionId: del.VersionId }));
  expect(undel.DeleteMarker).toBe(true);
  expect(undel.VersionId).toBe(del.VersionId);
  expect(await body('vobj', 'k')).toBe('two');
  // Deleting a version permanently.
  const rm = await s3.send(new DeleteObjectCommand({ Bucket: 'vobj', Key: 'k', VersionId: p2.VersionId }));
  expect(rm.VersionId).toBe(p2.VersionId);
  expect(rm.DeleteMarker).toBeUndefined();
  expect(await body('vobj', 'k')).toBe('one');
});

test('suspended: writes replace the null version; x-amz-version-id: null', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'vsusp' }));
  await versioning('vsusp', 'Enabled');
  const v1 = await put('vsusp', 'k', 'one');
  await versioning('vsusp', 'Suspended');
  const n1 = await put('vsusp', 'k', 'null-1');
  expect(n1.VersionId).toBe('null');
  const n2 = await put('vsusp', 'k', 'null-2');
  expect(n2.VersionId).toBe('null');
  const get = await s3.send(new GetObjectCommand({ Bucket: 'vsusp', Key: 'k' }));
  expect(get.VersionId).toBe('null');
  const list = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vsusp' }));
  expect(list.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([
    ['null', true],
    [v1.VersionId, false],
  ]);
  const del = await s3.send(new DeleteObjectCommand({ Bucket: 'vsusp', Key: 'k' }));
  expect(del.DeleteMarker).toBe(true);
  expect(del.VersionId).toBe('null');
  const after = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vsusp' }));
  expect(after.Versions!.map((v) => v.VersionId)).toEqual([v1.VersionId]);
  expect(after.DeleteMarkers!.map((m) => [m.VersionId, m.IsLatest])).toEqual([['null', true]]);
});

test('CopyObject from a version; copy-source-version-id; marker source', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'vcopy' }));
  await versioning('vcopy', 'Enabled');
  const v1 = await put('vcopy', 'src', 'first');
  await put('vcopy', 'src', 'second');
  const c = await s3.send(new CopyObjectCommand({ Bucket: 'vcopy', Key: 'dst', CopySource: `vcopy/src?versionId=${v1.VersionId}` }));
  expect(c.CopySourceVersionId).toBe(v1.VersionId);
  expect(c.VersionId).toMatch(/^[0-9a-f]{24}$/);
  expect(await body('vcopy', 'dst')).toBe('first');
  // Restoring an old version onto its own key is legal.
  const restore = await s3.send(new CopyObjectCommand({ Bucket: 'vcopy', Key: 'src', CopySource: `vcopy/src?versionId=${v1.VersionId}` }));
  expect(restore.VersionId).toMatch(/^[0-9a-f]{24}$/);
  expect(await body('vcopy', 'src')).toBe('first');
  const latestCopy = await s3.send(new CopyObjectCommand({ Bucket: 'vcopy', Key: 'dst2', CopySource: 'vcopy/src' }));
  expect(latestCopy.CopySourceVersionId).toBe(restore.VersionId);
  const m = await s3.send(new DeleteObjectCommand({ Bucket: 'vcopy', Key: 'src' }));
  expect((await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'vcopy', Key: 'x', CopySource: 'vcopy/src' })))).name).toBe('NoSuchKey');
  expect((await s3Err(s3.send(new CopyObjectCommand({ Bucket: 'vcopy', Key: 'x', CopySource: `vcopy/src?versionId=${m.VersionId}` })))).name).toBe(
    'InvalidRequest',
  );
});

test('DeleteObjects with versions and markers', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'vmulti' }));
  await versioning('vmulti', 'Enabled');
  const a1 = await put('vmulti', 'a', '1');
  await put('vmulti', 'b', '1');
  const r = await s3.send(
    new DeleteObjectsCommand({ Bucket: 'vmulti', Delete: { Objects: [{ Key: 'a', VersionId: a1.VersionId }, { Key: 'b' }, { Key: 'c' }] } }),
  );
  const byKey = new Map(r.Deleted!.map((d) => [d.Key, d]));
  expect(byKey.get('a')).toMatchObject({ VersionId: a1.VersionId });
  expect(byKey.get('a')!.DeleteMarker).toBeUndefined();
  expect(byKey.get('b')!.DeleteMarker).toBe(true);
  expect(byKey.get('b')!.DeleteMarkerVersionId).toMatch(/^[0-9a-f]{24}$/);
  const r2 = await s3.send(
    new DeleteObjectsCommand({ Bucket: 'vmulti', Delete: { Objects: [{ Key: 'b', VersionId: byKey.get('b')!.DeleteMarkerVersionId }] } }),
  );
  expect(r2.Deleted![0]).toMatchObject({ Key: 'b', DeleteMarker: true, DeleteMarkerVersionId: byKey.get('b')!.DeleteMarkerVersionId });
  expect(await body('vmulti', 'b')).toBe('1');
});

test('ListObjectVersions: order, prefix/delimiter, paging with key and version markers, url encoding', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'vlist' }));
  await versioning('vlist', 'Enabled');
  const keys = ['a', 'b/1', 'b/2', 'c d+é', 'z'];
  for (const k of keys) for (let i = 0; i < 3; i++) await put('vlist', k, `${k}-${i}`);
  await s3.send(new DeleteObjectCommand({ Bucket: 'vlist', Key: 'z' }));
  const all = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vlist' }));
  expect(all.Versions).toHaveLength(15);
  expect(all.DeleteMarkers).toHaveLength(1);
  expect(all.DeleteMarkers![0]).toMatchObject({ Key: 'z', IsLatest: true });
  for (const k of keys) {
    const vs = all.Versions!.filter((v) => v.Key === k);
    expect(vs.map((v) => v.IsLatest)).toEqual(k === 'z' ? [false, false, false] : [true, false, false]);
    expect(vs[0].LastModified!.getTime()).toBeGreaterThanOrEqual(vs[2].LastModified!.getTime());
  }
  // Paging one entry at a time visits the same sequence.
  const seen: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page: ListObjectVersionsCommandOutput = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vlist', MaxKeys: 2, KeyMarker, VersionIdMarker }));
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
    expect(entries.length).toBeLessThanOrEqual(2);
    for (const e of entries) seen.push(`${e.Key}@${e.VersionId}`);
    if (!page.IsTruncated) break;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
  expect(seen.sort()).toEqual([...all.Versions!, ...all.DeleteMarkers!].map((e) => `${e.Key}@${e.VersionId}`).sort());
  expect(seen).toHaveLength(16);
  const delim = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vlist', Delimiter: '/' }));
  expect(delim.CommonPrefixes).toEqual([{ Prefix: 'b/' }]);
  expect(delim.Versions!.some((v) => v.Key!.startsWith('b/'))).toBe(false);
  const pre = await s3.send(new ListObjectVersionsCommand({ Bucket: 'vlist', Prefix: 'b/' }));
  expect(new Set(pre.Versions!.map((v) => v.Key))).toEqual(new Set(['b/1', 'b/2']));
  const raw = await rawRequest(ts.endpoint, { method: 'GET', path: '/vlist', query: 'versions&encoding-type=url&prefix=c' });
  expect(raw.status).toBe(200);
  expect(raw.body).toContain('<Key>c%20d%2B%C3%A9</Key>');
  expect(raw.body).toContain('<EncodingType>url</EncodingType>');
  const noKeyMarker = await rawRequest(ts.endpoint, { method: 'GET', path: '/vlist', query: 'versions&version-id-marker=null' });
  expect(noKeyMarker.status).toBe(400);
});
