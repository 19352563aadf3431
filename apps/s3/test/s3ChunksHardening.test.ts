/**
 * `--chunks s3://…` when the chunk store misbehaves. The store is a second Cairn server behind a
 * fault-injecting HTTP proxy (helpers/faultProxy.ts: real sockets, 503s, resets, hangs, bodies cut
 * short), driven through the real server, the real `cairn fsck` and the real `cairn serve`:
 * - fsck --deep reports a chunk it could not read as `unreadable-chunk` (after retries), never as
 *   corrupt, and --repair deletes nothing for it; same for EIO on a chunk file;
 * - GC removes a batch of chunk objects a few at a time, bounded by the store's request timeout,
 *   and a removal that failed keeps its record (the next pass retries);
 * - credentials without s3:ListBucket fail `cairn serve` at start, naming the permission.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { freshSchemaUrl } from '../../../packages/engine/test/pgCluster';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';
import { startFaultProxy, type FaultProxy } from './helpers/faultProxy';
import { suitePostgres, withMeta } from './helpers/testMeta';
import { runCli } from './helpers/serverProcess';
import { fsckMain } from '../src/cli/fsckCli';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const BUCKET = 'hardened';
const creds = { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET };

let backing: TestServer; // the "other S3 service"
let store: S3Client; // its client, bypassing the proxy
let proxy: FaultProxy;

beforeAll(async () => {
  backing = await startTestServer({ workers: [] });
  store = backing.client();
  await store.send(new CreateBucketCommand({ Bucket: BUCKET }));
  proxy = await startFaultProxy(backing.endpoint);
});

afterAll(async () => {
  await proxy?.close();
  await backing?.stop();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const chunkHashes = (b: Buffer): string[] => Array.from({ length: Math.ceil(b.length / MiB) }, (_, i) => sha(b.subarray(i * MiB, (i + 1) * MiB)));
/** The chunk hash a request to the store is about (its key ends in /ab/cd/<sha256>). */
const hashIn = (url: string): string | undefined => /\/([0-9a-f]{64})(?:\?|$)/.exec(url)?.[1];

/** Chunk objects under a prefix: hash → size. */
async function chunkObjects(prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let token: string | undefined;
  do {
    const r = await store.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.set(o.Key!.split('/').pop()!, o.Size!);
    token = r.NextContinuationToken;
  } while (token);
  return out;
}

type Report = { findings: { kind: string; message: string; affected?: string[] }[]; clean: boolean };

/** `cairn fsck --json ARGS` in-process (the CLI's own entry point). */
async function fsckCli(args: string[]): Promise<{ code: number; report: Report }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void): Writable =>
    new Writable({
      write(c, _e, cb) {
        f(String(c));
        cb();
      },
    });
  const env = { ...process.env };
  process.env.CAIRN_CHUNKS_ACCESS_KEY_ID = ROOT_KEY;
  process.env.CAIRN_CHUNKS_SECRET_ACCESS_KEY = ROOT_SECRET;
  try {
    const code = await fsckMain(
      withMeta([...args, '--json']),
      sink((s) => (out += s)),
      sink((s) => (err += s)),
    );
    if (code === 2) throw new Error(`fsck could not run: ${err}`);
    return { code, report: JSON.parse(out) as Report };
  } finally {
    process.env = env;
  }
}

describe('cairn fsck --deep: a chunk that cannot be read is unreadable, not corrupt, and --repair leaves it alone', () => {
  test('s3:// store answering 503, resetting, or cutting bodies short', async () => {
    const prefix = 'fsck';
    const chunks = `s3://${BUCKET}/${prefix}?endpoint=${proxy.endpoint}`;
    const main = await startTestServer({ chunks, chunkCredentials: creds, gcIntervalMs: 0, workers: [] });
    try {
      const s3 = main.client();
      await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
      const ref = randomBytes(2 * MiB);
      const ok = randomBytes(MiB);
      const gone = randomBytes(MiB);
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'ref', Body: ref }));
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'ok', Body: ok }));
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'gone', Body: gone }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'gone' })); // its chunk: unreferenced, awaiting GC
      await main.server.close();
      const [r0, r1] = chunkHashes(ref);
      const [o0] = chunkHashes(ok);
      const [g0] = chunkHashes(gone);
      const before = await chunkObjects(prefix);
      expect(before.size).toBe(4);

      // r1: always 503 (the SDK's retries and fsck's all fail); g0: connection reset every time;
      // o0: body cut short once, r0: twice (fsck's retries get them whole on a later attempt).
      const cuts = new Map([
        [o0, 1],
        [r0, 2],
      ]);
      proxy.fault = (method, url) => {
        const h = hashIn(url);
        if (method !== 'GET' || !h) return undefined;
        if (h === r1) return 'unavailable';
        if (h === g0) return 'reset';
        const n = cuts.get(h) ?? 0;
        if (n > 0) {
          cuts.set(h, n - 1);
          return 'cut';
        }
        return undefined;
      };
      const { code, report } = await fsckCli(['--data', main.dataDir, '--chunks', chunks, '--deep', '--repair']);
      proxy.fault = () => undefined;
      expect(report.findings.map((f) => f.kind).sort()).toEqual(['unreadable-chunk', 'unreadable-chunk']);
      const onR1 = report.findings.find((f) => f.message.includes(r1))!;
      expect(onR1.message).toMatch(/could not be read after 3 attempts/);
      expect(onR1.affected).toEqual(['object data/ref']);
      expect(report.findings.find((f) => f.message.includes(g0))).toBeDefined();
      expect(cuts.get(o0)).toBe(0);
      expect(cuts.get(r0)).toBe(0);
      expect(report.clean).toBe(false);
      expect(code).toBe(1);
      // --repair deleted nothing: every chunk object is still there, and every record (the next
      // fsck, with the store healthy, finds the store clean).
      expect(await chunkObjects(prefix)).toEqual(before);
      const again = await fsckCli(['--data', main.dataDir, '--chunks', chunks, '--deep']);
      expect(again.report.findings).toEqual([]);
      expect(again.code).toBe(0);
    } finally {
      proxy.fault = () => undefined;
      await fs.promises.rm(main.dataDir, { recursive: true, force: true });
    }
  });

  test('chunk directory: a chunk file that fails with EIO is unreadable, not corrupt, and is not removed', async () => {
    const main = await startTestServer({ gcIntervalMs: 0, workers: [] });
    try {
      const s3 = main.client();
      await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
      const ref = randomBytes(MiB);
      const gone = randomBytes(MiB);
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'ref', Body: ref }));
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'gone', Body: gone }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'gone' }));
      await main.server.close();
      // A real EIO from the kernel: reading /proc/self/mem at offset 0 fails with EIO; it stats as
      // a regular file, so the chunk walk takes the link for a chunk file.
      const files = [chunkHashes(ref)[0], chunkHashes(gone)[0]].map((h) => path.join(main.dataDir, 'chunks', h.slice(0, 2), h.slice(2, 4), h));
      for (const f of files) {
        fs.rmSync(f);
        fs.symlinkSync('/proc/self/mem', f);
      }
      const { code, report } = await fsckCli(['--data', main.dataDir, '--deep', '--repair']);
      expect(report.findings.map((f) => f.kind).sort()).toEqual(['unreadable-chunk', 'unreadable-chunk']);
      for (const f of report.findings) expect(f.message).toMatch(/EIO/);
      expect(report.findings.find((f) => f.message.includes(chunkHashes(ref)[0]))!.affected).toEqual(['object data/ref']);
      expect(code).toBe(1);
      for (const f of files) expect(fs.lstatSync(f).isSymbolicLink()).toBe(true);
    } finally {
      await fs.promises.rm(main.dataDir, { recursive: true, force: true });
    }
  });
});

describe('GC against an s3:// store: removals a few at a time, bounded in time, failed ones kept for the next pass', () => {
  const pgUrl = suitePostgres();

  // Shared metadata (PostgreSQL): removals happen inside the GC fence, before the drop commits.
  // LevelDB: after the commit; a failed one leaves an orphan object for the sweep.
  for (const backend of ['postgres', 'leveldb'] as const) {
    test(`${backend}: a batch is removed concurrently (at most 8 at once); a failing DELETE keeps its chunk for the next pass`, async () => {
      const prefix = `gc-${backend}`;
      const chunks = `s3://${BUCKET}/${prefix}?endpoint=${proxy.endpoint}&timeout=5`;
      const gw = await startTestServer({
        meta: backend === 'postgres' ? freshSchemaUrl(pgUrl()) : undefined,
        chunks,
        chunkCredentials: creds,
        gcIntervalMs: 0,
        gcGraceMs: 0,
        workers: [],
      });
      try {
        const s3 = gw.client();
        await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
        const bodies = Array.from({ length: 24 }, () => randomBytes(MiB));
        for (let i = 0; i < bodies.length; i++) await s3.send(new PutObjectCommand({ Bucket: 'data', Key: `k${i}`, Body: bodies[i] }));
        for (let i = 0; i < bodies.length; i++) await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: `k${i}` }));
        const hashes = bodies.map(sha);
        expect(new Set((await chunkObjects(prefix)).keys())).toEqual(new Set(hashes));

        // Every DELETE takes 150 ms; two of them always fail (503).
        const failing = new Set([hashes[3], hashes[17]]);
        proxy.maxInFlight = {};
        proxy.fault = (method, url) => (method !== 'DELETE' ? undefined : failing.has(hashIn(url) ?? '') ? 'unavailable' : { delayMs: 150 });
        const started = Date.now();
        await expect(gw.server.engine.gc({ graceMs: 0 })).rejects.toMatchObject({ code: 'ServiceUnavailable' });
        const ms = Date.now() - started;
        proxy.fault = () => undefined;
        expect(proxy.maxInFlight.DELETE).toBeGreaterThan(1);
        expect(proxy.maxInFlight.DELETE).toBeLessThanOrEqual(8);
        expect(ms).toBeLessThan(22 * 150); // one at a time would take at least this
        // Everything else is gone; the two failed ones are still there.
        expect(new Set((await chunkObjects(prefix)).keys())).toEqual(failing);

        // The next pass (store healthy) takes them: their records were kept (postgres) or they
        // are orphans (leveldb); either way GC finds and removes them, and fsck is clean.
        expect((await gw.server.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(2);
        expect((await chunkObjects(prefix)).size).toBe(0);
        await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'after', Body: bodies[3] }));
        expect(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'after' }))).Body!.transformToByteArray()).equals(bodies[3])).toBe(
          true,
        );
      } finally {
        proxy.fault = () => undefined;
        await gw.stop();
      }
    });
  }

  test('a hung chunk store: GC gives up after the store timeout (timeout=SECONDS), keeps the records, and the next pass removes them', async () => {
    const prefix = 'gc-hang';
    const chunks = `s3://${BUCKET}/${prefix}?endpoint=${proxy.endpoint}&timeout=1.5`;
    const meta = freshSchemaUrl(pgUrl());
    const gw = await startTestServer({ meta, chunks, chunkCredentials: creds, gcIntervalMs: 0, gcGraceMs: 0, workers: [] });
    try {
      const s3 = gw.client();
      await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
      const bodies = Array.from({ length: 4 }, () => randomBytes(MiB + 5));
      for (let i = 0; i < bodies.length; i++) await s3.send(new PutObjectCommand({ Bucket: 'data', Key: `k${i}`, Body: bodies[i] }));
      for (let i = 0; i < bodies.length; i++) await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: `k${i}` }));
      const before = await chunkObjects(prefix);
      expect(before.size).toBe(8);

      proxy.fault = (method) => (method === 'DELETE' ? 'hang' : undefined);
      const started = Date.now();
      const gc = gw.server.engine.gc({ graceMs: 0 });
      await expect(gc).rejects.toMatchObject({ code: 'ServiceUnavailable' });
      const ms = Date.now() - started;
      expect(ms).toBeGreaterThanOrEqual(1_400);
      expect(ms).toBeLessThan(6_000);
      // The fence and locks are free again: uploads go on while the store's DELETEs hang.
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'during', Body: bodies[0] }));
      proxy.fault = () => undefined;
      expect(await chunkObjects(prefix)).toEqual(before);
      // 'during' re-referenced body 0's two chunks; the other six are collected now.
      expect((await gw.server.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(6);
      expect(new Set((await chunkObjects(prefix)).keys())).toEqual(new Set(chunkHashes(bodies[0])));
    } finally {
      proxy.fault = () => undefined;
      await gw.stop();
    }
  });
});

describe('credentials that may PUT but not list: cairn serve fails at start naming s3:ListBucket', () => {
  test('GetObject/PutObject only: refused at start (in-process and the real CLI); with s3:ListBucket added it starts and stores chunks', async () => {
    const bucket = 'limited';
    await store.send(new CreateBucketCommand({ Bucket: bucket }));
    const { accessKey } = await backing.server.engine.createUser({ id: 'chunkwriter' }, { withAccessKey: true });
    const policy = (listing: boolean): string =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'chunkwriter' },
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: `arn:aws:s3:::${bucket}/*`,
          },
          ...(listing ? [{ Effect: 'Allow', Principal: { AWS: 'chunkwriter' }, Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${bucket}` }] : []),
        ],
      });
    await store.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy(false) }));
    const chunks = `s3://${bucket}/p?endpoint=${backing.endpoint}`;
    const user = { accessKeyId: accessKey!.accessKeyId, secretAccessKey: accessKey!.secretAccessKey };
    // Such a user can write a chunk object, but not learn that one is missing (403, not 404).
    const limited = backing.client(user);
    await limited.send(new PutObjectCommand({ Bucket: bucket, Key: 'p/probe-by-hand', Body: 'x' }));

    const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-limited-'));
    try {
      await expect(startTestServer({ dataDir, chunks, chunkCredentials: user, workers: [] })).rejects.toThrow(/lack s3:ListBucket on bucket limited/);
      const cli = await runCli(['serve', '--data', dataDir, '--chunks', chunks, '--port', '0', '--quiet', '--workers', 'none'], {
        env: {
          ...process.env,
          CAIRN_ACCESS_KEY_ID: ROOT_KEY,
          CAIRN_SECRET_ACCESS_KEY: ROOT_SECRET,
          CAIRN_CHUNKS_ACCESS_KEY_ID: user.accessKeyId,
          CAIRN_CHUNKS_SECRET_ACCESS_KEY: user.secretAccessKey,
        },
      });
      expect(cli.signal).toBeNull();
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toMatch(/chunk store s3:\/\/limited\/p at http:\/\/127\.0\.0\.1:\d+: access denied .*lack s3:ListBucket on bucket limited/);

      // Wrong secret: that is what the message says instead.
      await expect(
        startTestServer({ dataDir, chunks, chunkCredentials: { ...user, secretAccessKey: 'wrong-secret-0000000000000000000000000' }, workers: [] }),
      ).rejects.toThrow(/SignatureDoesNotMatch/);

      // Granted s3:ListBucket: the server starts and stores (and reads back) chunks there.
      await store.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy(true) }));
      const ok = await startTestServer({ dataDir, chunks, chunkCredentials: user, workers: [] });
      try {
        const s3 = ok.client();
        await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
        const body = randomBytes(2 * MiB + 1);
        await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: body }));
        expect(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'k' }))).Body!.transformToByteArray()).equals(body)).toBe(true);
        const stored = (await store.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'p/' }))).Contents!.map((o) => o.Key!.split('/').pop());
        for (const h of chunkHashes(body)) expect(stored).toContain(h);
      } finally {
        await ok.server.close();
      }
    } finally {
      await fs.promises.rm(dataDir, { recursive: true, force: true });
    }
  });
});
