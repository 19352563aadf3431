/**
 * The s3:// chunk store (chunks/s3ChunkStore.ts) under the engine, against a real S3 server
 * process-local (s3rver, a root devDependency); apps/s3 test/s3Chunks.test.ts drives the same
 * through `cairn serve` with another Cairn as the chunk store.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Engine, fsck } from '../src';
import { backendFailure, parseS3ChunkUrl, S3ChunkStore } from '../src/chunks/s3ChunkStore';
import { body, bytes, openEngine, readAll, tempDir, type TestEngine } from './helpers';

const CS = 16; // helpers' chunk size
const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface Running {
  close(): Promise<void>;
  httpServer: { address(): AddressInfo };
}
let s3rver: Running;
let s3rverDir: string;
let endpoint: string;
let admin: S3Client;
let bucketNo = 0;

beforeAll(async () => {
  s3rverDir = await tempDir();
  const S3rver = createRequire(__filename)('s3rver');
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3rverDir });
  await (s3rver as unknown as { run(): Promise<unknown> }).run();
  endpoint = `http://127.0.0.1:${s3rver.httpServer.address().port}`;
  admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: creds });
});

afterAll(async () => {
  admin?.destroy();
  await s3rver?.close();
  await fs.promises.rm(s3rverDir, { recursive: true, force: true });
});

async function freshBucket(): Promise<string> {
  const name = `chunks-${++bucketNo}`;
  await admin.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

async function objectKeys(bucket: string): Promise<string[]> {
  const r = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('parseS3ChunkUrl', () => {
  it('reads bucket, prefix, endpoint, region and path style; refuses credentials and unknown parameters', () => {
    expect(parseS3ChunkUrl('s3://my-bucket/a/b/?endpoint=http://10.0.0.2:7480')).toEqual({
      bucket: 'my-bucket',
      prefix: 'a/b',
      endpoint: 'http://10.0.0.2:7480',
      region: 'us-east-1',
      forcePathStyle: true,
      timeoutMs: 30_000,
    });
    expect(parseS3ChunkUrl('s3://bkt?region=eu-west-1')).toEqual({
      bucket: 'bkt',
      prefix: '',
      endpoint: undefined,
      region: 'eu-west-1',
      forcePathStyle: false,
      timeoutMs: 30_000,
    });
    expect(parseS3ChunkUrl('s3://bkt/p?endpoint=http://h:1&timeout=2.5').timeoutMs).toBe(2_500);
    for (const bad of ['0', '-1', 'abc', '']) expect(() => parseS3ChunkUrl(`s3://bkt/p?timeout=${bad}`)).toThrow(/timeout must be a number of seconds/);
    expect(parseS3ChunkUrl('s3://bkt/p?endpoint=https://s3.example&forcePathStyle=false').forcePathStyle).toBe(false);
    expect(() => parseS3ChunkUrl('s3://AK:SK@bkt/p')).toThrow(/credentials do not go in the s3:\/\/ URL/);
    // ...nor in the endpoint, and the refusal does not echo them.
    const e = (() => {
      try {
        parseS3ChunkUrl('s3://bkt/p?endpoint=http://AK:SECRETVALUE@h:1');
      } catch (err) {
        return err as Error;
      }
    })();
    expect(e?.message).toMatch(/credentials do not go in the endpoint URL/);
    expect(e?.message).not.toContain('SECRETVALUE');
    expect(() => parseS3ChunkUrl('s3://bkt/p?endpoint=10.0.0.1')).toThrow(/http\(s\):\/\//);
    expect(() => parseS3ChunkUrl('s3://bkt/p?bucket=x')).toThrow(/unknown parameter "bucket"/);
    expect(() => parseS3ChunkUrl('s3://B_K/p')).toThrow(/invalid bucket name/);
    expect(() => parseS3ChunkUrl('http://bkt/p')).toThrow(/expected s3:\/\//);
  });

  it('backing-store failures: unreachable / 5xx are ServiceUnavailable, refusals InternalError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(backendFailure(refused, 'x').code).toBe('ServiceUnavailable');
    expect(backendFailure(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 1.2.3.4:5'), 'x').code).toBe('ServiceUnavailable');
    expect(backendFailure(Object.assign(new Error('boom'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }), 'x').code).toBe(
      'ServiceUnavailable',
    );
    const denied = backendFailure(Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), 'writing');
    expect(denied.code).toBe('InternalError');
    expect(denied.message).toMatch(/refused writing \(AccessDenied 403\)/);
    // the store's per-request bound running out (the SDK's AbortError) is the store being unavailable
    expect(backendFailure(Object.assign(new Error('Request aborted'), { name: 'AbortError' }), 'x').code).toBe('ServiceUnavailable');
  });
});

describe('engine with chunks in s3://', () => {
  let t: TestEngine;
  let bucket: string;
  afterEach(async () => t?.cleanup());

  async function open(opts: { prefix?: string } = {}): Promise<void> {
    bucket = await freshBucket();
    t = await openEngine({ onDisk: true, chunks: `s3://${bucket}/${opts.prefix ?? 'pre/fix'}?endpoint=${endpoint}`, chunkCredentials: creds });
    await t.engine.createBucket('bkt', { owner: 'a' });
  }
  const put = (key: string, data: Buffer) => t.engine.putObject('bkt', key, body(data), { owner: 'a', contentLength: data.length });
  const get = async (key: string, range?: { start: number; end: number }) =>
    readAll((await t.engine.getObject('bkt', key, range ? { range: { kind: 'range', ...range } } : {})).body);

  it('writes each distinct chunk once as PREFIX/ab/cd/<sha256>, reads and ranges back, nothing in dataDir/chunks', async () => {
    await open();
    const data = Buffer.concat([bytes(3 * CS, 1), bytes(CS, 1), bytes(CS - 3, 2)]); // chunks 0 and 3 are equal
    await put('k', data);
    const hashes = [0, 1, 2, 3, 4].map((i) => sha(data.subarray(i * CS, (i + 1) * CS)));
    const want = [...new Set(hashes)].map((h) => `pre/fix/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`).sort();
    expect(await objectKeys(bucket)).toEqual(want);
    expect(want).toHaveLength(4);
    expect((await get('k')).equals(data)).toBe(true);
    expect((await get('k', { start: CS - 2, end: 2 * CS + 1 })).equals(data.subarray(CS - 2, 2 * CS + 2))).toBe(true);
    await put('k2', data); // dedup: no new objects
    expect(await objectKeys(bucket)).toEqual(want);
    const local = path.join(t.dir, 'chunks');
    const files = fs.existsSync(local) ? (fs.readdirSync(local, { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p)) : [];
    expect(files).toEqual([]);
    expect(await t.engine.verifyRefcounts({ checkFiles: true })).toMatchObject({ ok: true, problems: [] });
  });

  it('GC removes the objects of deleted data and orphans; walk resumes in hash order', async () => {
    await open({ prefix: '' });
    const a = bytes(4 * CS, 7);
    await put('a', a);
    await put('b', bytes(2 * CS, 8));
    const store = new S3ChunkStore(parseS3ChunkUrl(`s3://${bucket}?endpoint=${endpoint}`), creds);
    const all: string[] = [];
    for await (const c of store.walk()) all.push(c.hash);
    expect(all).toEqual([...all].sort());
    expect(all).toHaveLength(6);
    const resumed: string[] = [];
    for await (const c of store.walk(all[2])) resumed.push(c.hash);
    expect(resumed).toEqual(all.slice(3));

    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: `ab/cd/abcd${'0'.repeat(60)}`, Body: 'orphan' }));
    await t.engine.deleteObject('bkt', 'a', { owner: 'a' });
    const r = await t.engine.gc({ graceMs: 0 });
    expect(r.chunksRemoved).toBe(5); // a's 4 chunks and the orphan
    expect(await objectKeys(bucket)).toHaveLength(2);
    expect((await get('b')).equals(bytes(2 * CS, 8))).toBe(true);
  });

  it('a damaged or missing chunk object is an InternalError, never wrong bytes; re-uploading repairs it; fsck finds it', async () => {
    await open();
    const data = bytes(3 * CS, 9);
    await put('k', data);
    const h1 = sha(data.subarray(CS, 2 * CS));
    const key1 = `pre/fix/${h1.slice(0, 2)}/${h1.slice(2, 4)}/${h1}`;
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key1, Body: Buffer.alloc(CS, 1) }));
    await expect(get('k')).rejects.toMatchObject({ code: 'InternalError', message: expect.stringMatching(/corrupt/) });
    await expect(get('k', { start: CS, end: CS })).rejects.toMatchObject({ code: 'InternalError' }); // before any byte
    expect((await get('k', { start: 0, end: CS - 1 })).equals(data.subarray(0, CS))).toBe(true);
    await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: key1 }));
    await expect(get('k')).rejects.toMatchObject({ code: 'InternalError', message: expect.stringMatching(/missing/) });
    await put('k2', data); // the same content again: the missing chunk is written anew
    expect((await get('k')).equals(data)).toBe(true);

    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key1, Body: Buffer.alloc(CS, 2) }));
    const url = `s3://${bucket}/pre/fix?endpoint=${endpoint}`;
    await t.engine.close();
    const shallow = await fsck(t.dir, { chunks: url, chunkCredentials: creds });
    expect(shallow.clean).toBe(true); // same size: only hashing can tell
    const deep = await fsck(t.dir, { chunks: url, chunkCredentials: creds, deep: true });
    expect(deep.findings.map((f) => f.kind)).toEqual(['corrupt-chunk']);
    expect(deep.findings[0].affected).toEqual(['object bkt/k', 'object bkt/k2']);
    expect(deep.stats.bytesHashed).toBe(3 * CS);
  });

  it('a wrong bucket fails the open with a message naming the store', async () => {
    const dir = await tempDir();
    try {
      await expect(Engine.open({ dataDir: dir, chunks: `s3://no-such-bucket/p?endpoint=${endpoint}`, chunkCredentials: creds })).rejects.toThrow(
        /chunk store s3:\/\/no-such-bucket\/p at http:\/\/127\.0\.0\.1:\d+: the bucket does not exist/,
      );
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });
});
