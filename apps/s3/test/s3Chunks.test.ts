/**
 * `--chunks s3://…` (engine s3ChunkStore.ts): a Cairn server whose chunks are objects in a
 * second, real S3 service — here another Cairn server — driven end to end with the AWS SDK.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';
import { withMeta } from './helpers/testMeta';
import { fsckMain } from '../src/cli/fsckCli';
import { parseServeArgs } from '../src/cli';
import { workerMain } from '../src/cli/workerCli';

const MiB = 1024 * 1024;
const CHUNK_BUCKET = 'chunkbucket';
const PREFIX = 'cairn/chunks';

let backing: TestServer; // the "other S3 service"
let main: TestServer; // Cairn with --chunks s3://chunkbucket/cairn/chunks?endpoint=<backing>
let store: S3Client; // client of the backing store (to count and damage chunk objects)
let s3: S3Client; // client of the main server
let chunksUrl: string;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const chunkHashes = (b: Buffer): string[] => Array.from({ length: Math.ceil(b.length / MiB) }, (_, i) => sha(b.subarray(i * MiB, (i + 1) * MiB)));
const keyOf = (hash: string): string => `${PREFIX}/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

async function chunkObjects(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let token: string | undefined;
  do {
    const r = await store.send(new ListObjectsV2Command({ Bucket: CHUNK_BUCKET, Prefix: `${PREFIX}/`, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.set(o.Key!, o.Size!);
    token = r.NextContinuationToken;
  } while (token);
  return out;
}

async function get(bucket: string, key: string, range?: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

function localChunkFiles(dir: string): string[] {
  const root = path.join(dir, 'chunks');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p));
}

async function fsckCli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({
    write(c, _e, cb) {
      out += String(c);
      cb();
    },
  });
  const env = { ...process.env };
  process.env.CAIRN_CHUNKS_ACCESS_KEY_ID = ROOT_KEY;
  process.env.CAIRN_CHUNKS_SECRET_ACCESS_KEY = ROOT_SECRET;
  try {
    const code = await fsckMain(withMeta(['--data', main.dataDir, '--chunks', chunksUrl, '--json', ...args]), sink, sink);
    return { code, out };
  } finally {
    process.env = env;
  }
}

beforeAll(async () => {
  backing = await startTestServer();
  store = backing.client();
  await store.send(new CreateBucketCommand({ Bucket: CHUNK_BUCKET }));
  chunksUrl = `s3://${CHUNK_BUCKET}/${PREFIX}?endpoint=${backing.endpoint}`;
  main = await startTestServer({
    chunks: chunksUrl,
    chunkCredentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
    gcIntervalMs: 0,
    gcGraceMs: 0,
  });
  s3 = main.client({ maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
});

afterAll(async () => {
  await main?.stop().catch(() => fs.promises.rm(main.dataDir, { recursive: true, force: true }));
  await backing?.stop();
});

describe('cairn serve --chunks s3://', () => {
  it('the flag parses; credentials come from CAIRN_CHUNKS_* (both or neither), never from the URL', async () => {
    const env = { ...process.env };
    try {
      delete process.env.CAIRN_CHUNKS_ACCESS_KEY_ID;
      delete process.env.CAIRN_CHUNKS_SECRET_ACCESS_KEY;
      const a = parseServeArgs(['--chunks', 's3://bk1/p?endpoint=http://10.0.0.1:7480']);
      expect(a.chunks).toBe('s3://bk1/p?endpoint=http://10.0.0.1:7480');
      expect(a.chunkCredentials).toBeUndefined(); // the AWS SDK's default chain then
      process.env.CAIRN_CHUNKS_ACCESS_KEY_ID = 'AK';
      process.env.CAIRN_CHUNKS_SECRET_ACCESS_KEY = 'SK';
      expect(parseServeArgs(['--chunks', 's3://bk1/p?endpoint=http://h:1']).chunkCredentials).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK' });
      delete process.env.CAIRN_CHUNKS_SECRET_ACCESS_KEY;
      expect(() => parseServeArgs(['--chunks', 's3://bk1/p?endpoint=http://h:1'])).toThrow(
        /both CAIRN_CHUNKS_ACCESS_KEY_ID and CAIRN_CHUNKS_SECRET_ACCESS_KEY/,
      );
      delete process.env.CAIRN_CHUNKS_ACCESS_KEY_ID;
      expect(() => parseServeArgs(['--chunks', 's3://AK:SK@b1/p?endpoint=http://h:1'])).toThrow(/credentials do not go in the s3:\/\/ URL/);
      expect(() => parseServeArgs(['--chunks', '/mnt/chunks'])).toThrow(/expected s3:\/\//);
      expect(() => parseServeArgs(['--chunks', 's3://bk1/p?endpont=http://h:1'])).toThrow(/unknown parameter "endpont"/);
      // cairn worker: --chunks only with --meta (without it the server's engine does the chunk I/O)
      await expect(workerMain(['lifecycle', '--data', '/nonexistent', '--chunks', 's3://bk1/p?endpoint=http://h:1'])).rejects.toThrow(
        /--chunks: only with --meta/,
      );
      // a placement may be an s3:// store too (not resolved as a path)
      expect(parseServeArgs(['--placement', 'cold=s3://b2/x?endpoint=http://h:1']).placements).toEqual({ cold: 's3://b2/x?endpoint=http://h:1' });
    } finally {
      process.env = env;
    }
  });

  it('a multi-chunk object is stored as objects PREFIX/ab/cd/<sha256> in the chunk bucket, none under DIR/chunks; GET and ranges verify', async () => {
    const body = randomBytes(2 * MiB + 12345);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'big', Body: body }));
    const objects = await chunkObjects();
    const want = chunkHashes(body);
    expect([...objects.keys()].sort()).toEqual(want.map(keyOf).sort());
    expect(objects.get(keyOf(want[2]))).toBe(12345);
    expect(localChunkFiles(main.dataDir)).toEqual([]);
    expect((await get('data', 'big')).equals(body)).toBe(true);
    // a range across the first chunk boundary, and one inside the last chunk
    expect((await get('data', 'big', `bytes=${MiB - 10}-${MiB + 9}`)).equals(body.subarray(MiB - 10, MiB + 10))).toBe(true);
    expect((await get('data', 'big', 'bytes=-100')).equals(body.subarray(body.length - 100))).toBe(true);
    // small bodies stay inline in the metadata (no chunk object)
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'tiny', Body: 'hello' }));
    expect((await get('data', 'tiny')).toString()).toBe('hello');
    expect((await chunkObjects()).size).toBe(want.length);
  });

  it('identical bodies are stored once (dedup across keys and buckets)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'other' }));
    const body = randomBytes(MiB + 7);
    const before = (await chunkObjects()).size;
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'd1', Body: body }));
    expect((await chunkObjects()).size).toBe(before + 2);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'd2', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: 'other', Key: 'd3', Body: body }));
    expect((await chunkObjects()).size).toBe(before + 2);
    expect((await get('other', 'd3')).equals(body)).toBe(true);
  });

  it('multipart upload, UploadPartCopy and CopyObject read and write through the chunk store', async () => {
    const p1 = randomBytes(5 * MiB);
    const p2 = randomBytes(MiB + 3);
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'mp' }));
    const e1 = await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: p1 }));
    const e2 = await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'mp', UploadId: up.UploadId, PartNumber: 2, Body: p2 }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'data',
        Key: 'mp',
        UploadId: up.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: e1.ETag },
            { PartNumber: 2, ETag: e2.ETag },
          ],
        },
      }),
    );
    const whole = Buffer.concat([p1, p2]);
    expect((await get('data', 'mp')).equals(whole)).toBe(true);
    const objects = await chunkObjects();
    for (const h of [...chunkHashes(p1), ...chunkHashes(p2)]) expect(objects.has(keyOf(h))).toBe(true);

    // CopyObject: same content, no new chunk objects
    await s3.send(new CopyObjectCommand({ Bucket: 'other', Key: 'mp-copy', CopySource: 'data/mp' }));
    expect((await chunkObjects()).size).toBe(objects.size);
    expect((await get('other', 'mp-copy')).equals(whole)).toBe(true);

    // UploadPartCopy of a range that does not start on a chunk boundary: new chunks
    const up2 = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'other', Key: 'pc' }));
    const c1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'other',
        Key: 'pc',
        UploadId: up2.UploadId,
        PartNumber: 1,
        CopySource: 'data/mp',
        CopySourceRange: 'bytes=100-5242979',
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'other',
        Key: 'pc',
        UploadId: up2.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: c1.CopyPartResult!.ETag }] },
      }),
    );
    const copied = whole.subarray(100, 5242980);
    expect((await get('other', 'pc')).equals(copied)).toBe(true);
    expect((await chunkObjects()).size).toBeGreaterThan(objects.size); // re-cut at other offsets: new chunks
  });

  it('GC deletes the chunk objects nothing references any more, and keeps shared ones', async () => {
    const shared = randomBytes(MiB + 1);
    const own = randomBytes(MiB + 2);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'g1', Body: shared }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'g2', Body: shared }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'g3', Body: own }));
    // an aborted multipart upload's part chunks are garbage too
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'ab' }));
    const part = randomBytes(MiB + 3);
    await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'ab', UploadId: up.UploadId, PartNumber: 1, Body: part }));
    const before = await chunkObjects();
    for (const h of [...chunkHashes(shared), ...chunkHashes(own), ...chunkHashes(part)]) expect(before.has(keyOf(h))).toBe(true);

    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'g1' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'g3' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'data', Key: 'ab', UploadId: up.UploadId }));
    const r = await main.server.engine.gc({ graceMs: 0 });
    const freed = [...chunkHashes(own), ...chunkHashes(part)];
    expect(r.chunksRemoved).toBe(freed.length);
    const after = await chunkObjects();
    expect(after.size).toBe(before.size - freed.length);
    for (const h of freed) expect(after.has(keyOf(h))).toBe(false);
    for (const h of chunkHashes(shared)) expect(after.has(keyOf(h))).toBe(true);
    expect((await get('data', 'g2')).equals(shared)).toBe(true);

    // an orphan (a chunk object with no record, e.g. left by a crash between PUT and commit) goes too
    const orphan = 'f'.repeat(64);
    await store.send(new PutObjectCommand({ Bucket: CHUNK_BUCKET, Key: keyOf(orphan), Body: 'x' }));
    await main.server.engine.gc({ graceMs: 0 });
    expect((await chunkObjects()).has(keyOf(orphan))).toBe(false);
    expect((await chunkObjects()).size).toBe(after.size);
  });

  it('a chunk object damaged in the chunk store: GET fails (InternalError, or a cut-off body past the first chunk) instead of wrong bytes; the intact range still reads', async () => {
    const body = randomBytes(2 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'victim', Body: body }));
    const [h0, h1] = chunkHashes(body);
    // same size, other bytes: only the hash can tell
    await store.send(new PutObjectCommand({ Bucket: CHUNK_BUCKET, Key: keyOf(h1), Body: randomBytes(MiB) }));
    // the first chunk needed is read before the response starts: a clean 500
    await expect(get('data', 'victim', `bytes=${MiB}-${MiB + 10}`)).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    // a later chunk fails mid-body (the 200 and the first MiB are out): the body is cut off, never completed with wrong bytes
    await expect(get('data', 'victim')).rejects.toThrow();
    expect((await get('data', 'victim', `bytes=0-${MiB - 1}`)).equals(body.subarray(0, MiB))).toBe(true);
    expect(h0).not.toBe(h1);
    // the server is fine
    expect((await get('data', 'g2')).length).toBe(MiB + 1);
  });

  it('chunk store down: PUT and GET answer 503 ServiceUnavailable, the server keeps serving metadata, nothing acknowledged is lost', async () => {
    const body = randomBytes(MiB + 99);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'safe', Body: body }));
    const port = backing.port;
    const backingDir = backing.dataDir;
    await backing.server.close();

    await expect(s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'lost', Body: randomBytes(MiB + 5) }))).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    });
    await expect(get('data', 'safe')).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    // metadata-only requests and inline bodies do not need the chunk store
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'safe' }))).ContentLength).toBe(body.length);
    expect((await get('data', 'tiny')).toString()).toBe('hello');
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: 'data' }))).Contents!.map((o) => o.Key);
    expect(keys).toContain('safe');
    expect(keys).not.toContain('lost');

    // back up on the same address: everything acknowledged reads back; the failed PUT stored nothing
    const again = await startTestServer({ dataDir: backingDir, port });
    backing = { ...again, stop: async () => (await again.stop(), await fs.promises.rm(backingDir, { recursive: true, force: true })) };
    store = backing.client();
    // from here a client with the SDK's default retries: a 503 is retried, as SDKs do
    s3 = main.client();
    expect((await get('data', 'safe')).equals(body)).toBe(true);
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'lost' }))).rejects.toMatchObject({ name: 'NotFound' });
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'after', Body: body }));
    expect((await get('data', 'after')).equals(body)).toBe(true);
  });

  it('cairn fsck --chunks lists the chunk objects: sizes and missing ones always, content with --deep', async () => {
    const a = randomBytes(MiB + 11);
    const b = randomBytes(MiB + 22);
    const c = randomBytes(MiB + 33);
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'fa', Body: a }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'fb', Body: b }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'fc', Body: c }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'victim' })); // its corrupt chunk: unreferenced now
    await store.send(new PutObjectCommand({ Bucket: CHUNK_BUCKET, Key: keyOf(chunkHashes(b)[1]), Body: randomBytes(5) })); // wrong size
    await store.send(new DeleteObjectCommand({ Bucket: CHUNK_BUCKET, Key: keyOf(chunkHashes(c)[1]) })); // missing
    await store.send(new PutObjectCommand({ Bucket: CHUNK_BUCKET, Key: keyOf(chunkHashes(a)[1]), Body: randomBytes(11) })); // same size, other bytes
    const orphan = 'e'.repeat(64);
    await store.send(new PutObjectCommand({ Bucket: CHUNK_BUCKET, Key: keyOf(orphan), Body: 'zz' }));
    await main.server.close(); // fsck runs on a stopped store

    const shallow = await fsckCli([]);
    expect(shallow.code).toBe(1);
    const r1 = JSON.parse(shallow.out) as { findings: { kind: string; message: string; affected?: string[] }[]; stats: { chunkFiles: number } };
    const kinds1 = r1.findings.map((f) => f.kind).sort();
    expect(kinds1).toEqual(['corrupt-chunk', 'missing-chunk', 'orphan-chunk-file']);
    expect(r1.findings.find((f) => f.kind === 'corrupt-chunk')!.affected).toEqual(['object data/fb']);
    expect(r1.findings.find((f) => f.kind === 'missing-chunk')!.affected).toEqual(['object data/fc']);
    expect(r1.stats.chunkFiles).toBe((await chunkObjects()).size);

    const deep = await fsckCli(['--deep']);
    const r2 = JSON.parse(deep.out) as { findings: { kind: string; message: string; affected?: string[] }[]; stats: { bytesHashed: number } };
    const corrupt = r2.findings.filter((f) => f.kind === 'corrupt-chunk');
    expect(corrupt.map((f) => f.affected![0]).sort()).toEqual(['object data/fa', 'object data/fb']);
    // the victim's damaged chunk is unreferenced now: --deep finds it too
    expect(r2.findings.map((f) => f.kind)).toContain('corrupt-unreferenced-chunk');
    expect(r2.stats.bytesHashed).toBeGreaterThan(5 * MiB);

    // --repair removes the orphan and the unreferenced corrupt object; referenced damage stays reported
    const repaired = await fsckCli(['--deep', '--repair']);
    expect(repaired.code).toBe(1);
    const left = await chunkObjects();
    expect(left.has(keyOf(orphan))).toBe(false);
    expect(left.has(keyOf(chunkHashes(b)[1]))).toBe(true);
  });
});
