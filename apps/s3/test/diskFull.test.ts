/**
 * A full disk on PUT / UploadPart / POST / copy: the client gets 507 InsufficientStorage naming
 * the cause at once (no hang: the server keeps draining the body and closes the connection), the
 * failed upload leaves no chunk files behind, and once space returns everything works without a
 * restart.
 *
 * Two real disks-full, the same scenario on each:
 * - a real 8 MiB tmpfs holding the whole data directory (`mount -t tmpfs`, needs root; CI runs
 *   as root). Where mounting is not permitted, this case runs on the injected disk instead.
 * - an injected one: the engine's ChunkFileSystem seam (built here, not in production code)
 *   fails chunk writes with ENOSPC once the chunk directory holds `capacity` bytes.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NODE_CHUNK_FS, fsck, type ChunkFileSystem } from '@cairn/engine';
import { startTestServer, type TestServer } from './helpers/server';
import { metaFor } from './helpers/testMeta';
import { rawRequest } from './helpers/rawRequest';
import { multipartBody, multipartContentType, signPostV4 } from './helpers/postForm';
import { probeVersion, requireClient, run, which } from './clients/clientEnv';

jest.setTimeout(120_000);
const MiB = 1024 * 1024;

/** Bytes of every file under dir (recursively). */
function usage(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/**
 * A chunk file system whose disks are small: a write answers ENOSPC once the chunk directory it
 * goes to holds `capacity(chunksDir)` bytes (temp files included), after a short write.
 */
function smallDisk(capacity: (chunksDir: string) => number): ChunkFileSystem & { failures: number } {
  const fsys = {
    failures: 0,
    async open(p: string, flags: 'wx') {
      // <root>/chunks/tmp/<name>, or <root>/chunks/tmp/<process>/<name> (shared chunk dir, PostgreSQL metadata)
      const chunksDir = p.slice(0, p.lastIndexOf(`${sep}chunks${sep}`) + `${sep}chunks`.length);
      const fh = await NODE_CHUNK_FS.open(p, flags);
      return {
        write: async (data: Buffer, offset: number, length: number) => {
          const room = capacity(chunksDir) - usage(chunksDir).bytes;
          if (room <= 0) {
            fsys.failures++;
            throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
          }
          return fh.write(data, offset, Math.min(length, room));
        },
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    },
  };
  return fsys;
}

function tryMountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch (e) {
    process.stderr.write(
      `diskFull.test: cannot mount a tmpfs here (${(e as Error).message.split('\n')[0]}); the tmpfs case runs on the injected small disk instead\n`,
    );
    return false;
  }
}

async function expectInsufficientStorage(p: Promise<unknown>, maxMs = 5000): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const t0 = Date.now();
  const e = (await p.then(
    () => {
      throw new Error('expected the write to fail');
    },
    (err: unknown) => err,
  )) as Error & { name: string; $metadata?: { httpStatusCode?: number } };
  const ms = Date.now() - t0;
  expect({ name: e.name, status: e.$metadata?.httpStatusCode }).toEqual({ name: 'InsufficientStorage', status: 507 });
  expect(e.message).toMatch(/ENOSPC: no space left on device/);
  expect(ms).toBeLessThan(maxMs);
  return e;
}

/**
 * A client that writes the whole request (headers and body) before it reads a byte of the
 * answer, as botocore/urllib3 and curl do. If the server stopped reading the body without
 * closing, the write would never finish and this would time out.
 */
function sendAllThenRead(url: string, body: Buffer, timeoutMs = 10_000): Promise<{ ms: number; head: string; text: string }> {
  const u = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms (the server stopped reading the body?)`));
    }, timeoutMs);
    sock.on('connect', () => {
      sock.write(`PUT ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Length: ${body.length}\r\n\r\n`);
      sock.write(body, () => {
        // Everything is written: only now read the answer.
        const parts: Buffer[] = [];
        sock.on('data', (d: Buffer) => parts.push(d));
        sock.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ ms: Date.now() - t0, head: text.split('\r\n\r\n')[0], text });
        });
        sock.resume();
      });
    });
    sock.pause();
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function getBytes(s3: S3Client, Key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: 'full', Key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/**
 * The scenario, on a server whose disk holds ~8 MiB. `chunkBytes()` = bytes in chunks/ (files and
 * temp files): after every refused write it must be what it was before.
 */
async function diskFullScenario(ts: TestServer, label: string): Promise<void> {
  const s3 = ts.client();
  const chunkBytes = () => usage(join(ts.dataDir, 'chunks')).bytes;
  await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
  const small = randomBytes(1 * MiB + 3);
  await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'before', Body: small }));
  const base = chunkBytes();
  expect(base).toBe(small.length);

  // PutObject larger than the free space: 507 at once, nothing left behind.
  const t0 = Date.now();
  await expectInsufficientStorage(s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'big', Body: randomBytes(12 * MiB) })));
  const putMs = Date.now() - t0;
  expect(chunkBytes()).toBe(base);
  await expect(s3.send(new HeadObjectCommand({ Bucket: 'full', Key: 'big' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });

  // UploadPart: the same; the upload itself survives.
  const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'full', Key: 'mp' }));
  await expectInsufficientStorage(
    s3.send(new UploadPartCommand({ Bucket: 'full', Key: 'mp', UploadId: mpu.UploadId, PartNumber: 1, Body: randomBytes(12 * MiB) })),
  );
  expect(chunkBytes()).toBe(base);

  // A raw PUT that streams from a client which sends everything before reading the answer
  // (as the AWS CLI does): it still gets the XML error, then the connection closes.
  const raw = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/full/raw',
    body: randomBytes(10 * MiB),
    payloadHash: 'UNSIGNED-PAYLOAD',
    timeoutMs: 10_000,
  });
  expect(raw.status).toBe(507);
  expect(raw.body).toContain('<Code>InsufficientStorage</Code>');
  expect(raw.headers.connection).toBe('close');
  expect(chunkBytes()).toBe(base);

  // A client that sends everything before reading: the server drains the body, then answers
  // and closes (without that the client would block on its write forever).
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'full', Key: 'send-first' }), { expiresIn: 300 });
  const sendFirst = await sendAllThenRead(url, randomBytes(16 * MiB));
  expect(sendFirst.head).toMatch(/^HTTP\/1\.1 507 /);
  expect(sendFirst.head).toMatch(/\r\nConnection: close/i);
  expect(sendFirst.text).toContain('<Code>InsufficientStorage</Code>');
  expect(sendFirst.ms).toBeLessThan(5000);
  expect(chunkBytes()).toBe(base);

  // POST Object (browser form) and a copy into a class whose chunks must be rewritten are
  // write paths too; POST is checked here, copy in the injected case (it needs two placements).
  const signed = signPostV4('full', [['key', 'posted']], [['starts-with', '$key', '']]);
  const form = await rawRequest(ts.endpoint, {
    method: 'POST',
    path: '/full',
    auth: 'none',
    body: multipartBody(signed.fields, { filename: 'f.bin', content: randomBytes(10 * MiB) }),
    headers: { 'Content-Type': multipartContentType() },
    timeoutMs: 10_000,
  });
  expect(form.status).toBe(507);
  expect(form.body).toContain('<Code>InsufficientStorage</Code>');
  expect(chunkBytes()).toBe(base);

  // Fill the disk with objects that fit, until a write is refused.
  const kept: string[] = [];
  for (let i = 0; i < 20; i++) {
    const key = `fill-${i}`;
    const ok = await s3.send(new PutObjectCommand({ Bucket: 'full', Key: key, Body: randomBytes(1 * MiB) })).then(
      () => true,
      (e: { name?: string }) => {
        expect(e.name).toBe('InsufficientStorage');
        return false;
      },
    );
    if (!ok) break;
    kept.push(key);
  }
  expect(kept.length).toBeGreaterThan(2);
  expect(kept.length).toBeLessThan(20);
  const fullBytes = chunkBytes();

  // Space returns (objects deleted, GC frees them); no restart: everything works again.
  for (const key of kept) await s3.send(new DeleteObjectCommand({ Bucket: 'full', Key: key }));
  await ts.server.engine.gc({ graceMs: 0 });
  expect(chunkBytes()).toBe(base);
  expect(fullBytes).toBeGreaterThan(base);
  const again = randomBytes(5 * MiB + 7);
  await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'big', Body: again }));
  expect((await getBytes(s3, 'big')).equals(again)).toBe(true);
  const part = await s3.send(new UploadPartCommand({ Bucket: 'full', Key: 'mp', UploadId: mpu.UploadId, PartNumber: 1, Body: randomBytes(1 * MiB) }));
  await s3.send(
    new CompleteMultipartUploadCommand({ Bucket: 'full', Key: 'mp', UploadId: mpu.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
  );
  expect((await getBytes(s3, 'before')).equals(small)).toBe(true);
  process.stdout.write(`disk-full (${label}): PUT of 12 MiB on a full disk refused with 507 in ${putMs} ms, no bytes left behind\n`);
}

/** After the server stopped: fsck finds nothing (no orphans, no temp files). */
async function expectFsckClean(dataDir: string, placements?: Record<string, string>): Promise<void> {
  const meta = metaFor(dataDir);
  const r = await fsck(dataDir, { gcGraceMs: 0, placements, ...(meta ? { meta } : {}) });
  expect(r.findings).toEqual([]);
  expect(r.clean).toBe(true);
}

describe('disk full', () => {
  let ts: TestServer | undefined;
  let dir: string;
  let mounted = false;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-full-'));
  });
  afterEach(async () => {
    await ts?.stop();
    ts = undefined;
    if (mounted) execFileSync('umount', [dir]);
    mounted = false;
    rmSync(dir, { recursive: true, force: true });
  });

  test('on a real 8 MiB tmpfs (the whole data directory)', async () => {
    mounted = tryMountTmpfs(dir, '8m');
    ts = await startTestServer({ dataDir: dir, gcIntervalMs: 0, ...(mounted ? {} : { chunkFileSystem: smallDisk(() => 8 * MiB) }) });
    await diskFullScenario(ts, mounted ? 'tmpfs 8 MiB' : 'injected (no mount permitted)');
    await ts.stop();
    ts = undefined;
    await expectFsckClean(dir);
  });

  test('injected through the ChunkFileSystem seam; also a copy into another placement', async () => {
    const cold = join(dir, 'cold');
    mkdirSync(cold);
    // 8 MiB for the default chunk directory, 4 MiB for placement "cold"
    const disk = smallDisk((chunksDir) => (chunksDir.startsWith(cold) ? 4 * MiB : 8 * MiB));
    ts = await startTestServer({ dataDir: dir, gcIntervalMs: 0, chunkFileSystem: disk, placements: { cold }, storageClassPlacement: { GLACIER: 'cold' } });
    await diskFullScenario(ts, 'injected ENOSPC');
    expect(disk.failures).toBeGreaterThan(0);

    // CopyObject into GLACIER rewrites the chunks in "cold": 5 MiB do not fit in its 4 MiB.
    const s3 = ts.client();
    await s3.send(new DeleteObjectCommand({ Bucket: 'full', Key: 'before' }));
    await ts.server.engine.gc({ graceMs: 0 });
    const coldBefore = usage(join(cold, 'chunks')).bytes;
    await expectInsufficientStorage(s3.send(new CopyObjectCommand({ Bucket: 'full', Key: 'frozen', CopySource: 'full/big', StorageClass: 'GLACIER' })));
    expect(usage(join(cold, 'chunks')).bytes).toBe(coldBefore);
    // An UploadPartCopy into a GLACIER upload: the same.
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'full', Key: 'frozen-mp', StorageClass: 'GLACIER' }));
    await expectInsufficientStorage(
      s3.send(new UploadPartCopyCommand({ Bucket: 'full', Key: 'frozen-mp', UploadId: mpu.UploadId, PartNumber: 1, CopySource: 'full/big' })),
    );
    expect(usage(join(cold, 'chunks')).bytes).toBe(coldBefore);
    // A copy that fits works.
    await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'small', Body: randomBytes(1 * MiB) }));
    await s3.send(new CopyObjectCommand({ Bucket: 'full', Key: 'frozen', CopySource: 'full/small', StorageClass: 'GLACIER' }));
    expect(usage(join(cold, 'chunks')).bytes).toBe(coldBefore + 1 * MiB);
    await ts.stop();
    ts = undefined;
    await expectFsckClean(dir, { cold });
  });
});

const AWS = [process.env.CAIRN_AWS_CLI?.split(':')[0], which('aws'), '/usr/bin/aws'].find((p): p is string => !!p && !!probeVersion(p));

describe('disk full: the AWS CLI fails at once instead of hanging', () => {
  if (!requireClient('AWS CLI (aws)', !!AWS, 'Debian: apt-get install awscli')) return;
  let ts: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-full-cli-'));
    // A disk with 1 MiB of room for chunks.
    ts = await startTestServer({ dataDir: join(dir, 'data'), gcIntervalMs: 0, chunkFileSystem: smallDisk(() => 1 * MiB) });
    await ts.client().send(new CreateBucketCommand({ Bucket: 'full' }));
    writeFileSync(join(dir, 'six.bin'), randomBytes(6 * MiB)); // one PutObject
    writeFileSync(join(dir, 'twenty.bin'), randomBytes(20 * MiB)); // multipart (8 MiB parts)
    writeFileSync(
      join(dir, 'config'),
      '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n  multipart_threshold = 8MB\n  multipart_chunksize = 8MB\n',
    );
  });
  afterAll(async () => {
    await ts?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['six.bin', 'PutObject'],
    ['twenty.bin', 'UploadPart'],
  ])('aws s3 cp %s (%s)', async (file, op) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: ts.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ts.secretAccessKey,
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    });
    const t0 = Date.now();
    const r = await run(AWS!, ['--endpoint-url', ts.endpoint, 's3', 'cp', join(dir, file), `s3://full/${file}`], { env, timeoutMs: 60_000 });
    const ms = Date.now() - t0;
    expect(r.code).not.toBe(0);
    expect(r.signal).toBeNull(); // not killed by our timeout: it ended by itself
    expect(r.stderr).toMatch(new RegExp(`InsufficientStorage.*${op}|${op}.*InsufficientStorage`));
    expect(ms).toBeLessThan(20_000); // the hang was 60 s; this is Python start-up + a few requests
    expect(usage(join(ts.dataDir, 'chunks')).bytes).toBe(0);
    process.stdout.write(`disk-full: aws s3 cp ${file} failed in ${ms} ms: ${r.stderr.trim().split('\n').pop()}\n`);
  });
});
