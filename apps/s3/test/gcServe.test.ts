/**
 * `cairn serve` frees deleted and overwritten data while it serves: background GC passes
 * (engine runGcPass) every --gc-interval, after --gc-grace. Driven with @aws-sdk/client-s3.
 */
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';
import { rawRequest } from './helpers/rawRequest';
import { parseServeArgs } from '../src/cli';

const MiB = 1024 * 1024;

/** Chunk files under <dataDir>/chunks (not temp files): count and bytes. */
async function chunkUsage(dataDir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== 'tmp') await walk(join(dir, e.name));
      } else {
        const st = await stat(join(dir, e.name)).catch(() => undefined); // GC may have just removed it
        if (!st) continue;
        files++;
        bytes += st.size;
      }
    }
  };
  await walk(join(dataDir, 'chunks'));
  return { files, bytes };
}

async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let v = await probe();
  while (!ok(v)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
    v = await probe();
  }
  return v;
}

async function getBytes(s3: S3Client, Bucket: string, Key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

describe('background GC while serving', () => {
  let ts: TestServer;
  afterEach(async () => ts?.stop());

  test('deleted and overwritten objects leave the disk after the grace period', async () => {
    ts = await startTestServer({ gcIntervalMs: 100, gcGraceMs: 1000 });
    const s3 = ts.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'gc-serve' }));
    const bodies: Record<string, Buffer> = {};
    for (const key of ['keep', 'delete-1', 'delete-2', 'overwrite', 'batch-1', 'batch-2']) {
      bodies[key] = randomBytes(3 * MiB);
      await s3.send(new PutObjectCommand({ Bucket: 'gc-serve', Key: key, Body: bodies[key] }));
    }
    const full = await chunkUsage(ts.dataDir);
    expect(full).toEqual({ files: 18, bytes: 18 * MiB });

    const t0 = Date.now();
    await s3.send(new DeleteObjectCommand({ Bucket: 'gc-serve', Key: 'delete-1' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'gc-serve', Key: 'delete-2' }));
    await s3.send(new DeleteObjectsCommand({ Bucket: 'gc-serve', Delete: { Objects: [{ Key: 'batch-1' }, { Key: 'batch-2' }] } }));
    bodies.overwrite = randomBytes(1 * MiB + 5); // two chunks replace three
    await s3.send(new PutObjectCommand({ Bucket: 'gc-serve', Key: 'overwrite', Body: bodies.overwrite }));

    const after = await waitFor(
      'GC to free 15 MiB',
      () => chunkUsage(ts.dataDir),
      (u) => u.files === 5,
      15_000,
    );
    const freedAfterMs = Date.now() - t0;
    expect(after).toEqual({ files: 5, bytes: 3 * MiB + 1 * MiB + 5 });
    expect(freedAfterMs).toBeGreaterThanOrEqual(900); // not before the grace period
    expect((await getBytes(s3, 'gc-serve', 'keep')).equals(bodies.keep)).toBe(true);
    expect((await getBytes(s3, 'gc-serve', 'overwrite')).equals(bodies.overwrite)).toBe(true);
    expect((await ts.server.engine.usage()).physicalBytes).toBe(after.bytes);
    expect((await ts.server.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
    process.stdout.write(
      `gc-serve: 15 MiB of deleted/overwritten data left the disk ${freedAfterMs} ms after the first delete (grace 1000 ms, interval 100 ms)\n`,
    );
  });

  test('GC with no grace under concurrent uploads, downloads and deletes of the same bytes: everything stays readable and consistent', async () => {
    // The worst case for pins and read leases: every pass may remove anything unreferenced,
    // passes run back to back, and every request shares the same chunks.
    ts = await startTestServer({ gcIntervalMs: 1, gcGraceMs: 0, gcPassLimit: 4 });
    const s3 = ts.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'race' }));
    const shared = randomBytes(MiB + 17);
    let passes = 0;
    const orig = ts.server.engine.runGcPass.bind(ts.server.engine);
    ts.server.engine.runGcPass = (o) => {
      passes++;
      return orig(o);
    };
    // Six clients each put the same bytes under their own key, read a neighbour's key (which
    // may be deleted while it streams) and delete their own, so the shared chunks' reference
    // count keeps dropping to zero while other uploads are deduplicating against them.
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 12; i++) {
        await s3.send(new PutObjectCommand({ Bucket: 'race', Key: `k${w}`, Body: shared }));
        await getBytes(s3, 'race', `k${(w + 1) % 6}`).then(
          (b) => expect(b.equals(shared)).toBe(true),
          (e: { name?: string }) => expect(e.name).toBe('NoSuchKey'), // deleted before the GET: fine
        );
        if (i % 3 !== 2) await s3.send(new DeleteObjectCommand({ Bucket: 'race', Key: `k${w}` }));
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    // Whatever exists now must read back whole, and the books must balance.
    for (let i = 0; i < 6; i++) {
      await getBytes(s3, 'race', `k${i}`).then(
        (b) => expect(b.equals(shared)).toBe(true),
        (e: { name?: string }) => expect(e.name).toBe('NoSuchKey'),
      );
    }
    expect(passes).toBeGreaterThan(10);
    expect((await ts.server.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
    // Delete everything: the shared chunks go too.
    for (let i = 0; i < 6; i++) await s3.send(new DeleteObjectCommand({ Bucket: 'race', Key: `k${i}` }));
    await waitFor(
      'the last chunks to go',
      () => chunkUsage(ts.dataDir),
      (u) => u.files === 0,
      10_000,
    );
  });

  test('pins: an upload that deduplicated against a chunk whose last reference went away keeps it', async () => {
    ts = await startTestServer({ gcIntervalMs: 1, gcGraceMs: 0 });
    const s3 = ts.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'pins' }));
    const data = randomBytes(2 * MiB + 100);
    await s3.send(new PutObjectCommand({ Bucket: 'pins', Key: 'first', Body: data }));
    // A second upload of the same bytes sends its first two chunks (found on disk: deduplicated
    // and pinned), then stalls; meanwhile the first object is deleted and GC passes run with no
    // grace over chunks that now have no reference at all.
    const upload = rawRequest(ts.endpoint, {
      method: 'PUT',
      path: '/pins/second',
      headers: { 'content-length': String(data.length) },
      payloadHash: 'UNSIGNED-PAYLOAD',
      writer: async (req) => {
        req.write(data.subarray(0, 2 * MiB + 50));
        await new Promise((r) => setTimeout(r, 300));
        await s3.send(new DeleteObjectCommand({ Bucket: 'pins', Key: 'first' }));
        await new Promise((r) => setTimeout(r, 300));
        req.end(data.subarray(2 * MiB + 50));
      },
    });
    expect((await upload).status).toBe(200);
    expect((await getBytes(s3, 'pins', 'second')).equals(data)).toBe(true);
    expect((await ts.server.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  test('read leases: a download that started before the delete gets every byte', async () => {
    ts = await startTestServer({ gcIntervalMs: 1, gcGraceMs: 0 });
    const s3 = ts.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'leases' }));
    const data = randomBytes(24 * MiB); // far more than socket buffers hold
    await s3.send(new PutObjectCommand({ Bucket: 'leases', Key: 'k', Body: data }));
    const r = await s3.send(new GetObjectCommand({ Bucket: 'leases', Key: 'k' }));
    // The body is not read yet: the server can only send what the socket buffers take.
    await s3.send(new DeleteObjectCommand({ Bucket: 'leases', Key: 'k' }));
    await new Promise((res) => setTimeout(res, 400)); // GC passes run; they must leave the chunks alone
    const got = Buffer.from(await r.Body!.transformToByteArray());
    expect(got.equals(data)).toBe(true);
    // Once the download is over, the chunks go.
    await waitFor(
      "the deleted object's chunks to go",
      () => chunkUsage(ts.dataDir),
      (u) => u.files === 0,
      10_000,
    );
  });

  test('close() stops GC: no pass runs after the server is closed', async () => {
    ts = await startTestServer({ gcIntervalMs: 5, gcGraceMs: 0 });
    const engine = ts.server.engine;
    let passes = 0;
    const orig = engine.runGcPass.bind(engine);
    engine.runGcPass = (o) => {
      passes++;
      return orig(o);
    };
    await waitFor(
      'a pass',
      async () => passes,
      (n) => n > 0,
      5000,
    );
    await ts.server.close();
    const atClose = passes;
    await new Promise((r) => setTimeout(r, 100));
    expect(passes).toBe(atClose);
  });

  test('--gc-interval / --gc-grace (seconds) and their defaults', () => {
    expect(parseServeArgs([])).toMatchObject({ gcIntervalMs: 30_000, gcGraceMs: 60_000 });
    expect(parseServeArgs(['--gc-interval', '2.5', '--gc-grace', '0'])).toMatchObject({ gcIntervalMs: 2500, gcGraceMs: 0 });
    expect(() => parseServeArgs(['--gc-interval', '-1'])).toThrow(/--gc-interval/);
    expect(() => parseServeArgs(['--gc-grace', 'soon'])).toThrow(/--gc-grace/);
  });
});
