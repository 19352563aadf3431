/**
 * Bucket lifecycle through the real server and @aws-sdk/client-s3, with a one-second lifecycle
 * day (the in-process worker then checks at least every half second): the configuration API
 * with S3's errors, x-amz-expiration, expiration by prefix / tag / size, disabled rules,
 * versioned buckets (delete markers, noncurrent expiry with NewerNoncurrentVersions, expired
 * marker removal), multipart abort, transition to another placement, conditional actions,
 * and worker status in the admin API.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { adminTokenSignature } from '@cairn/admin';
import { startTestServer, type TestServer } from './helpers/server';

const DAY_S = 1;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function keysOf(s3: S3Client, bucket: string): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
}

describe('bucket lifecycle', () => {
  let t: TestServer;
  let s3: S3Client;
  let coldDir: string;
  beforeAll(async () => {
    coldDir = await mkdtemp(join(tmpdir(), 'cairn-cold-'));
    t = await startTestServer({
      lifecycleDaySeconds: DAY_S,
      workerLeaseTtlMs: 2000,
      placements: { cold: coldDir },
      storageClassPlacement: { GLACIER: 'cold' },
      adminPort: 0,
    });
    s3 = t.client();
  });
  afterAll(async () => {
    await t.stop();
    await rm(coldDir, { recursive: true, force: true });
  });

  const put = (bucket: string, rules: LifecycleRule[]) =>
    s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));

  it('Put / Get / Delete the configuration, NoSuchLifecycleConfiguration, S3 validation errors', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'lc-config' }));
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' }))).rejects.toMatchObject({
      name: 'NoSuchLifecycleConfiguration',
      $metadata: { httpStatusCode: 404 },
    });
    await put('lc-config', [
      { ID: 'tax', Status: 'Enabled', Filter: { Prefix: 'tax/' }, Transitions: [{ Days: 365, StorageClass: 'GLACIER' }], Expiration: { Days: 3650 } },
      {
        ID: 'tagged',
        Status: 'Disabled',
        Filter: { And: { Prefix: 'a/', Tags: [{ Key: 'k', Value: 'v' }], ObjectSizeGreaterThan: 10 } },
        NoncurrentVersionExpiration: { NoncurrentDays: 3, NewerNoncurrentVersions: 2 },
      },
      { ID: 'mpu', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
    ]);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' }));
    expect(got.Rules).toHaveLength(3);
    expect(got.Rules![0]).toMatchObject({
      ID: 'tax',
      Status: 'Enabled',
      Filter: { Prefix: 'tax/' },
      Transitions: [{ Days: 365, StorageClass: 'GLACIER' }],
      Expiration: { Days: 3650 },
    });
    expect(got.Rules![1]).toMatchObject({
      ID: 'tagged',
      Status: 'Disabled',
      Filter: { And: { Prefix: 'a/', Tags: [{ Key: 'k', Value: 'v' }], ObjectSizeGreaterThan: 10 } },
      NoncurrentVersionExpiration: { NoncurrentDays: 3, NewerNoncurrentVersions: 2 },
    });
    expect(got.Rules![2]).toMatchObject({ ID: 'mpu', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });

    await expect(put('lc-config', [{ ID: 'x', Status: 'Enabled', Filter: {}, Expiration: { Days: 0 } }])).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(put('lc-config', [{ ID: 'x', Status: 'Enabled', Filter: {} }])).rejects.toMatchObject({ name: 'InvalidRequest' });
    await expect(
      put('lc-config', [{ ID: 'x', Status: 'Enabled', Filter: { Tag: { Key: 'k', Value: 'v' } }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]),
    ).rejects.toMatchObject({ name: 'InvalidRequest' });
    await expect(
      put('lc-config', [{ ID: 'x', Status: 'Enabled', Filter: {}, Expiration: { Days: 1, ExpiredObjectDeleteMarker: true } }]),
    ).rejects.toMatchObject({ name: 'MalformedXML' });
    await expect(put('lc-config', [{ ID: 'x', Status: 'Enabled', Filter: {}, Expiration: { Date: new Date('2030-01-01T12:00:00Z') } }])).rejects.toMatchObject({
      name: 'InvalidArgument',
    });
    await expect(
      put('lc-config', [{ ID: 'x', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 101 } }]),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(
      put('lc-config', [
        { ID: 'x', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } },
        { ID: 'x', Status: 'Enabled', Filter: {}, Expiration: { Days: 2 } },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' }))).Rules).toHaveLength(3); // unchanged

    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: 'lc-config' }));
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'lc-config' }))).rejects.toMatchObject({ name: 'NoSuchLifecycleConfiguration' });
  });

  it('expires by prefix, tag and size; x-amz-expiration on PUT/HEAD/GET; a disabled rule does nothing', async () => {
    const b = 'lc-expire';
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    // Rules that match nothing yet while the objects are written: then switch them on.
    await put(b, [
      { ID: 'by-prefix', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } },
      { ID: 'by-tag', Status: 'Enabled', Filter: { Tag: { Key: 'expire', Value: 'yes' } }, Expiration: { Days: 1 } },
      { ID: 'by-size', Status: 'Enabled', Filter: { ObjectSizeGreaterThan: 1000 }, Expiration: { Days: 1 } },
      { ID: 'off', Status: 'Disabled', Filter: { Prefix: 'keep/' }, Expiration: { Days: 1 } },
    ]);
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'tmp/a', Body: 'a' }));
    expect(p.Expiration).toMatch(/^expiry-date="[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", rule-id="by-prefix"$/);
    const due = Date.parse(/expiry-date="([^"]+)"/.exec(p.Expiration!)![1]);
    expect(due % (DAY_S * 1000)).toBe(0); // rounded to a (short) midnight
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'tagged', Body: 'b', Tagging: 'expire=yes' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'big', Body: Buffer.alloc(2000, 1) }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'keep/x', Body: 'c' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'small', Body: 'd', Tagging: 'expire=no' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'tagged' }))).Expiration).toContain('rule-id="by-tag"');
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big' }));
    expect(g.Expiration).toContain('rule-id="by-size"');
    await g.Body!.transformToByteArray();
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'keep/x' }))).Expiration).toBeUndefined();

    await until('expiry', async () => (await keysOf(s3, b)).length === 2);
    expect((await keysOf(s3, b)).sort()).toEqual(['keep/x', 'small']);
  });

  it('versioned: expiration adds a delete marker; noncurrent versions expire keeping NewerNoncurrentVersions; a lone marker is removed', async () => {
    const b = 'lc-versions';
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: b, Key: 'doc', Body: `v${i}` }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'gone', Body: 'x' }));
    const goneVersions = (await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'gone' }))).Versions!;
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone', VersionId: goneVersions[0].VersionId })); // only the marker is left
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'cur/old', Body: 'x' }));
    await put(b, [
      { ID: 'noncurrent', Status: 'Enabled', Filter: { Prefix: 'doc' }, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 } },
      { ID: 'markers', Status: 'Enabled', Filter: { Prefix: 'gone' }, Expiration: { ExpiredObjectDeleteMarker: true } },
      { ID: 'current', Status: 'Enabled', Filter: { Prefix: 'cur/' }, Expiration: { Days: 1 } },
    ]);
    await until('lifecycle in a versioned bucket', async () => {
      const v = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
      const docs = (v.Versions ?? []).filter((x) => x.Key === 'doc');
      const gone = [...(v.Versions ?? []), ...(v.DeleteMarkers ?? [])].filter((x) => x.Key === 'gone');
      const cur = v.DeleteMarkers?.filter((x) => x.Key === 'cur/old') ?? [];
      return docs.length === 2 && gone.length === 0 && cur.length === 1;
    });
    const v = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    const docs = v.Versions!.filter((x) => x.Key === 'doc');
    expect(docs.map((d) => d.IsLatest)).toEqual([true, false]); // current + the newest noncurrent one
    expect(v.Versions!.filter((x) => x.Key === 'cur/old')).toHaveLength(1); // the object stays as a noncurrent version
    expect(v.DeleteMarkers!.filter((x) => x.Key === 'cur/old')[0].IsLatest).toBe(true);
    // It stays that way: no second marker on later passes.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).DeleteMarkers!.filter((x) => x.Key === 'cur/old')).toHaveLength(1);
  });

  it('aborts incomplete multipart uploads', async () => {
    const b = 'lc-mpu';
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'uploads/x' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'other/y' }));
    await put(b, [{ ID: 'abort', Status: 'Enabled', Filter: { Prefix: 'uploads/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]);
    await until('abort', async () => ((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads ?? []).length === 1);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads![0].Key).toBe('other/y');
  });

  it('transitions to another storage class: the chunks move to its placement', async () => {
    const b = 'lc-transition';
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const body = Buffer.alloc(200_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 251;
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'archive/a', Body: body }));
    await put(b, [{ ID: 'cold', Status: 'Enabled', Filter: { Prefix: 'archive/' }, Transitions: [{ Days: 0, StorageClass: 'GLACIER' }] }]);
    await until('transition', async () => (await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'archive/a' }))).StorageClass === 'GLACIER');
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'archive/a' }));
    expect(Buffer.from(await g.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect((await readdir(join(coldDir, 'chunks'), { recursive: true })).length).toBeGreaterThan(0);
    await t.server.engine.gc({ graceMs: 0 });
    expect((await t.server.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  it('acts conditionally: an object overwritten after the scan read it is not expired', async () => {
    const e = t.server.engine;
    const b = 'lc-cond';
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'old' }));
    const page = await e.lifecycleScan(b, undefined, 100);
    const v = page.keys[0].versions[0];
    await new Promise((r) => setTimeout(r, 5));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'new' })); // overwritten meanwhile
    expect(await e.lifecycleApply({ kind: 'expireCurrent', bucket: b, key: 'k', versionId: v.versionId, lastModified: v.lastModified })).toEqual({
      applied: false,
      reason: 'changed',
    });
    expect(await keysOf(s3, b)).toEqual(['k']);
  });

  it('worker status and the feed in GET /admin/workers', async () => {
    const token = `${t.accessKeyId}:${adminTokenSignature(t.secretAccessKey)}`;
    const res = await fetch(`${t.server.adminEndpoint}/admin/workers`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      workers: { worker: string; mode: string; state: string; totalScanned: number; totalActed: number; lastRunEnd?: number; lease?: { owner: string } }[];
      feed: { nextSeq: number };
    };
    const w = body.workers.find((x) => x.worker === 'lifecycle')!;
    expect(w).toMatchObject({ mode: 'in-process', state: 'running' });
    expect(w.totalScanned).toBeGreaterThan(0);
    expect(w.totalActed).toBeGreaterThan(0);
    expect(w.lastRunEnd).toBeGreaterThan(0);
    expect(w.lease!.owner).toBe(t.server.workers[0].owner);
    expect(body.feed.nextSeq).toBeGreaterThan(1);
  });
});
