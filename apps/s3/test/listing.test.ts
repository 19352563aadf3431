/**
 * ListObjects v1 / v2 and DeleteObjects through @aws-sdk/client-s3: prefix, delimiter, paging with
 * continuation tokens / markers across pages, start-after, fetch-owner, encoding-type=url with
 * nasty keys, max-keys rules; multi-object delete quiet and verbose.
 */
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { TestServer } from './helpers/server';
import { useTestServer } from './helpers/suiteServer';
import { s3Err } from './helpers/s3Error';
import { NASTY_KEYS } from './helpers/nastyKeys';
import { rawRequest } from './helpers/rawRequest';

let ts: TestServer;
let s3: S3Client;

const KEYS = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/sub/3.txt', 'c/1.txt', 'd', 'd/', 'd/x', 'e/f/g', 'z'];

/** encoding-type=url values: S3 writes spaces as %20 (this decoder also takes '+', as botocore's unquote_plus). */
const urlDecode = (s: string | undefined) => (s === undefined ? undefined : decodeURIComponent(s.replace(/\+/g, ' ')));

useTestServer((env) => ({ ts, s3 } = env), { buckets: ['list', 'nasty'] });
beforeAll(async () => {
  for (const k of KEYS) await s3.send(new PutObjectCommand({ Bucket: 'list', Key: k, Body: k }));
  for (const { key } of NASTY_KEYS) await s3.send(new PutObjectCommand({ Bucket: 'nasty', Key: key, Body: 'n' }));
});

describe('ListObjectsV2', () => {
  test('everything, in order, with KeyCount, ETag, Size, StorageClass', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: 'list' }));
    expect(r.Contents?.map((o) => o.Key)).toEqual([...KEYS].sort());
    expect(r.KeyCount).toBe(KEYS.length);
    expect(r.IsTruncated).toBe(false);
    expect(r.MaxKeys).toBe(1000);
    expect(r.Name).toBe('list');
    const a = r.Contents!.find((o) => o.Key === 'a.txt')!;
    expect(a.ETag).toBe(`"${createHash('md5').update('a.txt').digest('hex')}"`);
    expect(a.Size).toBe(5);
    expect(a.StorageClass).toBe('STANDARD');
    expect(a.Owner).toBeUndefined();
  });

  test('prefix + delimiter → Contents and CommonPrefixes', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Delimiter: '/' }));
    expect(r.Contents?.map((o) => o.Key)).toEqual(['a.txt', 'd', 'z']);
    expect(r.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'c/', 'd/', 'e/']);
    expect(r.KeyCount).toBe(7);
    const sub = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'b/', Delimiter: '/' }));
    expect(sub.Contents?.map((o) => o.Key)).toEqual(['b/1.txt', 'b/2.txt']);
    expect(sub.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/sub/']);
    expect(sub.Prefix).toBe('b/');
    expect(sub.Delimiter).toBe('/');
  });

  test('a delimiter other than "/"', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Delimiter: '.' }));
    expect(r.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a.', 'b/1.', 'b/2.', 'b/sub/3.', 'c/1.']);
    expect(r.Contents?.map((o) => o.Key)).toEqual(['d', 'd/', 'd/x', 'e/f/g', 'z']);
  });

  test('paging with continuation tokens across several pages (with and without delimiter)', async () => {
    for (const delimiter of [undefined, '/']) {
      const keys: string[] = [];
      const prefixes: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: 'list', MaxKeys: 2, ContinuationToken: token, Delimiter: delimiter }));
        expect(r.KeyCount).toBeLessThanOrEqual(2);
        expect(r.MaxKeys).toBe(2);
        if (token) expect(r.ContinuationToken).toBe(token);
        keys.push(...(r.Contents ?? []).map((o) => o.Key!));
        prefixes.push(...(r.CommonPrefixes ?? []).map((p) => p.Prefix!));
        token = r.NextContinuationToken;
        expect(Boolean(token)).toBe(r.IsTruncated);
        pages++;
      } while (token);
      expect(pages).toBeGreaterThanOrEqual(2);
      if (delimiter) {
        expect(keys).toEqual(['a.txt', 'd', 'z']);
        expect(prefixes).toEqual(['b/', 'c/', 'd/', 'e/']);
      } else {
        expect(keys).toEqual([...KEYS].sort());
      }
    }
  });

  test('start-after and fetch-owner', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: 'list', StartAfter: 'c/1.txt', FetchOwner: true }));
    expect(r.StartAfter).toBe('c/1.txt');
    expect(r.Contents?.map((o) => o.Key)).toEqual(['d', 'd/', 'd/x', 'e/f/g', 'z']);
    expect(r.Contents![0].Owner).toEqual({ ID: 'root', DisplayName: expect.any(String) });
  });

  test('max-keys: 0, above 1000 (clamped), invalid → InvalidArgument', async () => {
    const zero = await s3.send(new ListObjectsV2Command({ Bucket: 'list', MaxKeys: 0 }));
    expect(zero.KeyCount).toBe(0);
    expect(zero.Contents).toBeUndefined();
    const big = await s3.send(new ListObjectsV2Command({ Bucket: 'list', MaxKeys: 5000 }));
    expect(big.MaxKeys).toBe(1000);
    expect(big.KeyCount).toBe(KEYS.length);
    const bad = await rawRequest(ts.endpoint, { method: 'GET', path: '/list', query: { 'list-type': '2', 'max-keys': '-1' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>InvalidArgument</Code>');
  });

  test('a forged continuation token → InvalidArgument', async () => {
    const e = await s3Err(s3.send(new ListObjectsV2Command({ Bucket: 'list', ContinuationToken: 'bm90LW91cnM=' })));
    expect(e.name).toBe('InvalidArgument');
  });

  test('nasty keys list exactly, plain and with encoding-type=url', async () => {
    const want = NASTY_KEYS.map((k) => k.key).sort();
    const plain = await s3.send(new ListObjectsV2Command({ Bucket: 'nasty' }));
    expect(plain.Contents?.map((o) => o.Key).sort()).toEqual(want);
    const enc = await s3.send(new ListObjectsV2Command({ Bucket: 'nasty', EncodingType: 'url', Delimiter: '/', Prefix: '' }));
    expect(enc.EncodingType).toBe('url');
    const got = [...(enc.Contents ?? []).map((o) => urlDecode(o.Key)!), ...(enc.CommonPrefixes ?? []).map((p) => urlDecode(p.Prefix)!)];
    const expectTop = new Set(want.map((k) => (k.includes('/') ? k.slice(0, k.indexOf('/') + 1) : k)));
    expect(got.sort()).toEqual([...expectTop].sort());
    // raw wire format: space → %20, '+' → %2B, '/' kept
    const raw = await rawRequest(ts.endpoint, { method: 'GET', path: '/nasty', query: { 'list-type': '2', 'encoding-type': 'url', prefix: 'a' } });
    expect(raw.body).toContain('<Key>a%20b</Key>');
    expect(raw.body).toContain('<Key>a%2Bb</Key>');
    expect(raw.body).toContain('<Key>a%252Fb</Key>');
  });

  test('encoding-type=url also encodes Prefix, Delimiter and StartAfter', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: 'nasty', EncodingType: 'url', Prefix: 'a b', StartAfter: 'a a', Delimiter: '&' }));
    expect(r.Prefix).toBe('a%20b');
    expect(r.StartAfter).toBe('a%20a');
    expect(r.Delimiter).toBe('%26');
    expect(r.Contents?.map((o) => urlDecode(o.Key))).toEqual(['a b']);
  });

  test('an invalid encoding-type → InvalidArgument', async () => {
    const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/list', query: { 'list-type': '2', 'encoding-type': 'base64' } });
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>InvalidArgument</Code>');
  });
});

describe('ListObjects (v1)', () => {
  test('marker paging without delimiter (no NextMarker: continue from the last key)', async () => {
    const keys: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    for (;;) {
      const r = await s3.send(new ListObjectsCommand({ Bucket: 'list', MaxKeys: 3, Marker: marker }));
      expect(r.NextMarker).toBeUndefined();
      expect(r.Contents![0].Owner?.ID).toBe('root');
      keys.push(...r.Contents!.map((o) => o.Key!));
      pages++;
      if (!r.IsTruncated) break;
      marker = r.Contents![r.Contents!.length - 1].Key;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(keys).toEqual([...KEYS].sort());
  });

  test('with a delimiter NextMarker is returned and skips whole common prefixes', async () => {
    const items: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const r = await s3.send(new ListObjectsCommand({ Bucket: 'list', MaxKeys: 2, Delimiter: '/', Marker: marker }));
      items.push(...(r.Contents ?? []).map((o) => o.Key!), ...(r.CommonPrefixes ?? []).map((p) => p.Prefix!));
      if (!r.IsTruncated) break;
      expect(r.NextMarker).toBeDefined();
      marker = r.NextMarker;
    }
    expect(items.sort()).toEqual(['a.txt', 'b/', 'c/', 'd', 'd/', 'e/', 'z']);
  });

  test('encoding-type=url encodes Marker and keys', async () => {
    const r = await s3.send(new ListObjectsCommand({ Bucket: 'nasty', EncodingType: 'url', Marker: 'a b', Prefix: 'a' }));
    expect(r.Marker).toBe('a%20b');
    expect(r.Contents?.map((o) => urlDecode(o.Key))).toEqual(['a#b', 'a%2Fb', 'a&b=c', 'a+b', 'a?b']);
  });
});

describe('DeleteObjects', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'multi-delete' }));
    for (const k of ['one', 'two', 'three', 'a b', 'x&y<z>']) await s3.send(new PutObjectCommand({ Bucket: 'multi-delete', Key: k, Body: k }));
  });

  test('verbose: every key reported Deleted, also missing ones', async () => {
    const r = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'multi-delete', Delete: { Objects: [{ Key: 'one' }, { Key: 'a b' }, { Key: 'x&y<z>' }, { Key: 'never-was' }] } }),
    );
    expect(r.Deleted?.map((d) => d.Key).sort()).toEqual(['a b', 'never-was', 'one', 'x&y<z>']);
    expect(r.Errors).toBeUndefined();
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'multi-delete' }));
    expect(left.Contents?.map((o) => o.Key).sort()).toEqual(['three', 'two']);
  });

  test('quiet: nothing reported on success', async () => {
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: 'multi-delete', Delete: { Quiet: true, Objects: [{ Key: 'two' }, { Key: 'three' }] } }));
    expect(r.Deleted).toBeUndefined();
    expect(r.Errors).toBeUndefined();
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'multi-delete' }));
    expect(left.KeyCount).toBe(0);
  });

  test('per-key errors are reported in the document', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'multi-delete', Key: 'ok', Body: 'x' }));
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: 'multi-delete', Delete: { Objects: [{ Key: 'ok' }, { Key: 'k'.repeat(1025) }] } }));
    expect(r.Deleted?.map((d) => d.Key)).toEqual(['ok']);
    expect(r.Errors?.length).toBe(1);
    expect(r.Errors![0].Code).toMatch(/\S/);
  });

  test('without Content-MD5 or a checksum → 400 InvalidRequest; a wrong Content-MD5 → BadDigest', async () => {
    const body = '<Delete><Object><Key>ok</Key></Object></Delete>';
    const none = await rawRequest(ts.endpoint, { method: 'POST', path: '/multi-delete', query: 'delete', body });
    expect(none.status).toBe(400);
    expect(none.body).toContain('<Code>InvalidRequest</Code>');
    const bad = await rawRequest(ts.endpoint, {
      method: 'POST',
      path: '/multi-delete',
      query: 'delete',
      body,
      headers: { 'Content-MD5': createHash('md5').update('other').digest('base64') },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>BadDigest</Code>');
    const good = await rawRequest(ts.endpoint, {
      method: 'POST',
      path: '/multi-delete',
      query: 'delete',
      body,
      headers: { 'Content-MD5': createHash('md5').update(body).digest('base64') },
    });
    expect(good.status).toBe(200);
    expect(good.body).toContain('<Deleted><Key>ok</Key></Deleted>');
  });

  test('more than 1000 keys → MalformedXML', async () => {
    const e = await s3Err(
      s3.send(new DeleteObjectsCommand({ Bucket: 'multi-delete', Delete: { Objects: Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` })) } })),
    );
    expect(e.name).toBe('MalformedXML');
  });
});
