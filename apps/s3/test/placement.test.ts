/**
 * Storage-class placements through @aws-sdk/client-s3: with GLACIER mapped to its own chunk
 * directory, a GLACIER PUT writes there and nowhere else, CopyObject in place with a new
 * StorageClass moves the chunks (GC then frees the old directory), multipart uploads of a
 * mapped class land in its directory, and the store stays consistent. Also the CLI flags.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DEFAULT_CHUNK_SIZE } from '@cairn/engine';
import { startTestServer, type TestServer } from './helpers/server';
import { parseServeArgs } from '../src/cli';

const CS = DEFAULT_CHUNK_SIZE;

async function files(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) {
        if (e.name !== 'tmp') await walk(path.join(dir, e.name));
      } else out.add(e.name);
    }
  };
  await walk(path.join(root, 'chunks'));
  return out;
}

const hashesOf = (data: Buffer): string[] => {
  const out: string[] = [];
  for (let i = 0; i < data.length; i += CS)
    out.push(
      createHash('sha256')
        .update(data.subarray(i, i + CS))
        .digest('hex'),
    );
  return out;
};

let t: TestServer;
let s3: S3Client;
let cold: string;

beforeAll(async () => {
  cold = await mkdtemp(path.join(tmpdir(), 'cairn-cold-'));
  t = await startTestServer({ placements: { cold }, storageClassPlacement: { GLACIER: 'cold' } });
  s3 = t.client();
  await s3.send(new CreateBucketCommand({ Bucket: 'placed' }));
});

afterAll(async () => {
  await t.stop();
  await rm(cold, { recursive: true, force: true });
});

test('PUT writes to the class placement; CopyObject with a new StorageClass moves the chunks', async () => {
  const std = randomBytes(2 * CS + 100);
  const glacier = randomBytes(CS + 7);
  await s3.send(new PutObjectCommand({ Bucket: 'placed', Key: 'std', Body: std }));
  await s3.send(new PutObjectCommand({ Bucket: 'placed', Key: 'gl', Body: glacier, StorageClass: 'GLACIER' }));
  for (const h of hashesOf(std)) expect((await files(t.dataDir)).has(h)).toBe(true);
  for (const h of hashesOf(glacier)) {
    expect((await files(cold)).has(h)).toBe(true);
    expect((await files(t.dataDir)).has(h)).toBe(false);
  }

  await s3.send(new CopyObjectCommand({ Bucket: 'placed', Key: 'std', CopySource: 'placed/std', StorageClass: 'GLACIER' }));
  expect((await s3.send(new HeadObjectCommand({ Bucket: 'placed', Key: 'std' }))).StorageClass).toBe('GLACIER');
  for (const h of hashesOf(std)) expect((await files(cold)).has(h)).toBe(true);
  await t.server.engine.gc({ graceMs: 0 });
  for (const h of hashesOf(std)) expect((await files(t.dataDir)).has(h)).toBe(false);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'placed', Key: 'std' }));
  expect(Buffer.from(await got.Body!.transformToByteArray()).equals(std)).toBe(true);

  // Back to STANDARD: into the data directory again.
  await s3.send(new CopyObjectCommand({ Bucket: 'placed', Key: 'gl', CopySource: 'placed/gl', StorageClass: 'STANDARD' }));
  await t.server.engine.gc({ graceMs: 0 });
  for (const h of hashesOf(glacier)) {
    expect((await files(t.dataDir)).has(h)).toBe(true);
    expect((await files(cold)).has(h)).toBe(false);
  }
  const back = await s3.send(new GetObjectCommand({ Bucket: 'placed', Key: 'gl' }));
  expect(Buffer.from(await back.Body!.transformToByteArray()).equals(glacier)).toBe(true);
  expect(await t.server.engine.verifyRefcounts({ checkFiles: true })).toMatchObject({ ok: true, problems: [] });
});

test('a multipart upload of a mapped class lands in its placement', async () => {
  const data = randomBytes(CS + 3);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'placed', Key: 'mp', StorageClass: 'GLACIER' }));
  const p = await s3.send(new UploadPartCommand({ Bucket: 'placed', Key: 'mp', UploadId, PartNumber: 1, Body: data }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'placed', Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
  for (const h of hashesOf(data)) {
    expect((await files(cold)).has(h)).toBe(true);
    expect((await files(t.dataDir)).has(h)).toBe(false);
  }
  const got = await s3.send(new GetObjectCommand({ Bucket: 'placed', Key: 'mp' }));
  expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  expect(await t.server.engine.verifyRefcounts({ checkFiles: true })).toMatchObject({ ok: true, problems: [] });
});

test('cairn serve --placement / --class-placement', () => {
  const a = parseServeArgs([
    '--placement',
    'cold=/mnt/cold',
    '--placement',
    'ia=rel/dir',
    '--class-placement',
    'GLACIER=cold',
    '--class-placement',
    'STANDARD_IA=ia',
  ]);
  expect(a.placements).toEqual({ cold: '/mnt/cold', ia: path.resolve('rel/dir') });
  expect(a.storageClassPlacement).toEqual({ GLACIER: 'cold', STANDARD_IA: 'ia' });
  expect(parseServeArgs([]).placements).toBeUndefined();
  expect(() => parseServeArgs(['--placement', 'nodir'])).toThrow(/NAME=VALUE/);
  expect(() => parseServeArgs(['--placement', 'a=/x', '--placement', 'a=/y'])).toThrow(/twice/);
});
