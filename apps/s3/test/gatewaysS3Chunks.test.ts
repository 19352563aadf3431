/**
 * Several gateways with `--chunks s3://` (README "Several gateways" / "Chunks in another S3
 * service"): three `cairn` servers over ONE PostgreSQL metadata database and ONE s3:// chunk
 * store (a further Cairn server), each gateway with its OWN `--data` directory — nothing is
 * shared through the file system. Driven with the AWS SDK through different gateways.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { startPgCluster, freshSchemaUrl, type PgCluster } from '../../../packages/engine/test/pgCluster';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';
import { spawnServer } from './helpers/serverProcess';
import { fsckMain } from '../src/cli/fsckCli';
import { Client } from 'pg';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const CHUNK_BUCKET = 'gwchunks';

let pg: PgCluster | undefined;
let pgUrl: string;
let backing: TestServer; // the "other S3 service" holding the chunk objects
let store: S3Client;

beforeAll(async () => {
  if (process.env.CAIRN_TEST_PG_URL) pgUrl = process.env.CAIRN_TEST_PG_URL;
  else {
    pg = await startPgCluster();
    pgUrl = pg.url;
  }
  backing = await startTestServer({ workers: [] });
  store = backing.client();
  await store.send(new CreateBucketCommand({ Bucket: CHUNK_BUCKET }));
}, 90_000);

afterAll(async () => {
  await backing?.stop();
  await pg?.stop();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const chunkHashes = (b: Buffer): string[] => Array.from({ length: Math.ceil(b.length / MiB) }, (_, i) => sha(b.subarray(i * MiB, (i + 1) * MiB)));
const bytes = async (c: S3Client, Bucket: string, Key: string, Range?: string): Promise<Buffer> =>
  Buffer.from(await (await c.send(new GetObjectCommand({ Bucket, Key, Range }))).Body!.transformToByteArray());

/** Every file below dir (relative paths). */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir)
    ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => !d.isDirectory()).map((d) => d.name)
    : [];
}

interface Cluster {
  meta: string;
  chunks: string;
  prefix: string;
  dataDirs: string[];
  gws: TestServer[];
  clients: S3Client[];
  c(i: number): S3Client;
  /** The chunk objects under this cluster's prefix: hash → size. */
  chunkObjects(): Promise<Map<string, number>>;
  /** `cairn fsck --meta … --chunks …` (with a fresh, empty --data: nothing of the gateways' is needed). */
  fsck(extra?: string[]): Promise<{ code: number; report: { clean: boolean; findings: { kind: string; message: string }[]; stats: Record<string, number> } }>;
  stop(): Promise<void>;
}

async function cluster(n: number, opts: Parameters<typeof startTestServer>[0] = {}): Promise<Cluster> {
  const meta = freshSchemaUrl(pgUrl);
  const prefix = `t${Math.random().toString(36).slice(2, 10)}`;
  const chunks = `s3://${CHUNK_BUCKET}/${prefix}?endpoint=${backing.endpoint}`;
  const dataDirs: string[] = [];
  const gws: TestServer[] = [];
  for (let i = 0; i < n; i++) {
    const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `cairn-gw${i}-`));
    dataDirs.push(dataDir);
    gws.push(
      await startTestServer({
        dataDir,
        meta,
        chunks,
        chunkCredentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
        workers: [],
        ...opts,
      }),
    );
  }
  const clients = gws.map((g) => g.client());
  return {
    meta,
    chunks,
    prefix,
    dataDirs,
    gws,
    clients,
    c: (i) => clients[i % clients.length],
    chunkObjects: async () => {
      const out = new Map<string, number>();
      let token: string | undefined;
      do {
        const r = await store.send(new ListObjectsV2Command({ Bucket: CHUNK_BUCKET, Prefix: `${prefix}/`, ContinuationToken: token }));
        for (const o of r.Contents ?? []) out.set(o.Key!.split('/').pop()!, o.Size!);
        token = r.NextContinuationToken;
      } while (token);
      return out;
    },
    fsck: async (extra = []) => {
      let out = '';
      let errOut = '';
      const sink = (f: (s: string) => void) =>
        new Writable({
          write(c, _e, cb) {
            f(String(c));
            cb();
          },
        });
      const empty = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-fsck-'));
      const env = { ...process.env };
      process.env.CAIRN_CHUNKS_ACCESS_KEY_ID = ROOT_KEY;
      process.env.CAIRN_CHUNKS_SECRET_ACCESS_KEY = ROOT_SECRET;
      try {
        const code = await fsckMain(
          ['--data', empty, '--meta', meta, '--chunks', chunks, '--json', ...extra],
          sink((s) => (out += s)),
          sink((s) => (errOut += s)),
        );
        if (code === 2) throw new Error(`fsck could not run: ${errOut}`);
        return { code, report: JSON.parse(out) };
      } finally {
        process.env = env;
        await fs.promises.rm(empty, { recursive: true, force: true });
      }
    },
    stop: async () => {
      for (const g of gws) await g.stop().catch(() => undefined);
      for (const d of dataDirs) await fs.promises.rm(d, { recursive: true, force: true });
    },
  };
}

describe('several gateways, each with its own --data, over one PostgreSQL and one s3:// chunk store', () => {
  test('read-after-write, ranges, multipart with parts via different gateways and UploadPartCopy; no chunk bytes under any --data', async () => {
    const k = await cluster(3);
    try {
      const [a, b, c] = k.clients;
      await a.send(new CreateBucketCommand({ Bucket: 'raw' }));
      const body = randomBytes(3 * MiB + 4321);
      await a.send(new PutObjectCommand({ Bucket: 'raw', Key: 'big', Body: body }));
      // Written on A, read in full and by ranges on B and C.
      expect((await bytes(b, 'raw', 'big')).equals(body)).toBe(true);
      expect((await bytes(c, 'raw', 'big', `bytes=${MiB - 5}-${2 * MiB + 4}`)).equals(body.subarray(MiB - 5, 2 * MiB + 5))).toBe(true);
      expect((await bytes(b, 'raw', 'big', 'bytes=-100')).equals(body.subarray(body.length - 100))).toBe(true);
      expect(new Set((await k.chunkObjects()).keys())).toEqual(new Set(chunkHashes(body)));

      // Multipart: created on B, parts through A and B, UploadPartCopy (of A's object, a range
      // off the chunk boundaries) on C, listed on C, completed on A, read on B and C.
      const { UploadId } = await b.send(new CreateMultipartUploadCommand({ Bucket: 'raw', Key: 'mp' }));
      const p1 = randomBytes(5 * MiB);
      const p2 = randomBytes(5 * MiB + 17);
      const [e1, e2, e3] = await Promise.all([
        a.send(new UploadPartCommand({ Bucket: 'raw', Key: 'mp', UploadId, PartNumber: 1, Body: p1 })),
        b.send(new UploadPartCommand({ Bucket: 'raw', Key: 'mp', UploadId, PartNumber: 2, Body: p2 })),
        c.send(new UploadPartCopyCommand({ Bucket: 'raw', Key: 'mp', UploadId, PartNumber: 3, CopySource: 'raw/big', CopySourceRange: 'bytes=100-3145827' })),
      ]);
      expect((await c.send(new ListPartsCommand({ Bucket: 'raw', Key: 'mp', UploadId }))).Parts?.map((p) => p.PartNumber)).toEqual([1, 2, 3]);
      await a.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'raw',
          Key: 'mp',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: e1.ETag },
              { PartNumber: 2, ETag: e2.ETag },
              { PartNumber: 3, ETag: e3.CopyPartResult!.ETag },
            ],
          },
        }),
      );
      const whole = Buffer.concat([p1, p2, body.subarray(100, 3145828)]);
      expect((await bytes(b, 'raw', 'mp')).equals(whole)).toBe(true);
      expect((await bytes(c, 'raw', 'mp', `bytes=${10 * MiB + 10}-${10 * MiB + 30}`)).equals(whole.subarray(10 * MiB + 10, 10 * MiB + 31))).toBe(true);

      // Every gateway is ready, and no chunk bytes (nor anything else) went to any gateway's --data.
      for (const g of k.gws) {
        const r = await fetch(`${g.endpoint}/-/health/ready`);
        expect({ status: r.status, body: await r.json() }).toMatchObject({ status: 200 });
      }
      for (const d of k.dataDirs) expect(filesUnder(d)).toEqual([]);
      const { code, report } = await k.fsck();
      expect(report.findings).toEqual([]);
      expect(code).toBe(0);
    } finally {
      await k.stop();
    }
  });

  test('identical bodies through different gateways are one chunk object each (dedup across gateways)', async () => {
    const k = await cluster(3);
    try {
      await k.c(0).send(new CreateBucketCommand({ Bucket: 'dedup' }));
      const body = randomBytes(2 * MiB + 99);
      // Concurrently through all three, then once more each in turn.
      await Promise.all(Array.from({ length: 6 }, (_, i) => k.c(i).send(new PutObjectCommand({ Bucket: 'dedup', Key: `k${i}`, Body: body }))));
      for (let i = 0; i < 3; i++) await k.c(i).send(new PutObjectCommand({ Bucket: 'dedup', Key: `s${i}`, Body: body }));
      const objects = await k.chunkObjects();
      expect(new Set(objects.keys())).toEqual(new Set(chunkHashes(body)));
      expect(objects.get(chunkHashes(body)[2])).toBe(99);
      for (let i = 0; i < 9; i++) expect((await bytes(k.c(i + 1), 'dedup', i < 6 ? `k${i}` : `s${i - 6}`)).equals(body)).toBe(true);
      const { report } = await k.fsck();
      expect(report.findings).toEqual([]);
      expect(report.stats.referencedChunks).toBe(3);
    } finally {
      await k.stop();
    }
  });

  test('deletes + GC on one gateway free chunk objects while two others keep writing the identical body: nothing referenced is deleted, refcounts exact', async () => {
    const k = await cluster(3, { gcIntervalMs: 0, gcGraceMs: 0 });
    try {
      await k.c(0).send(new CreateBucketCommand({ Bucket: 'churn' }));
      const body = randomBytes(2 * MiB + 7); // 3 chunks, written again and again
      const hashes = chunkHashes(body);
      let writing = true;
      const acked: string[] = [];
      const problems: string[] = [];
      // Writers on B and C: PUT the same body under new keys, each read back at once through A
      // (the GC gateway): either the body or NoSuchKey (A deleted it), never a missing chunk.
      // Reads on A, not on B / C: a gateway with reads in flight publishes a read horizon that
      // (rightly) holds GC back for seconds, and this test wants GC to run between the writes.
      const writer = async (g: number): Promise<void> => {
        for (let i = 0; i < 12; i++) {
          const key = `w${g}-${i}`;
          await k.c(g).send(new PutObjectCommand({ Bucket: 'churn', Key: key, Body: body }));
          acked.push(key);
          try {
            if (!(await bytes(k.c(0), 'churn', key)).equals(body)) problems.push(`${key}: wrong bytes`);
          } catch (e) {
            if ((e as Error).name !== 'NoSuchKey') problems.push(`${key}: ${(e as Error).name} ${(e as Error).message}`);
          }
          await new Promise((r) => setTimeout(r, 20 + 20 * Math.random())); // gaps in which the body's refcount can reach 0
        }
      };
      // A: delete whatever it lists (the body's refcount keeps dropping to 0) and GC with grace 0.
      let gcRemoved = 0;
      let gcPasses = 0;
      const reaper = async (): Promise<void> => {
        while (writing) {
          const listed = await k.c(0).send(new ListObjectsV2Command({ Bucket: 'churn' }));
          for (const o of listed.Contents ?? []) await k.c(0).send(new DeleteObjectCommand({ Bucket: 'churn', Key: o.Key }));
          gcRemoved += (await k.gws[0].server.engine.gc({ graceMs: 0 })).chunksRemoved;
          gcPasses++;
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      const started = Date.now();
      const reaping = reaper();
      await Promise.all([writer(1), writer(2)]);
      const writeMs = Date.now() - started;
      writing = false;
      await reaping;
      expect(problems).toEqual([]);
      expect(acked).toHaveLength(24);
      // GC did free the body's chunk objects while the writers ran (they were re-written after).
      expect(gcPasses).toBeGreaterThan(1);
      expect(gcRemoved).toBeGreaterThan(0);
      // Writers were not stalled by the GC loop (README's old known issue): 24 PUTs + GETs of 2 MiB.
      expect(writeMs).toBeLessThan(20_000);

      // A last write after the churn, then: everything listed reads back; fsck finds nothing.
      await k.c(1).send(new PutObjectCommand({ Bucket: 'churn', Key: 'last', Body: body }));
      const left = (await k.c(2).send(new ListObjectsV2Command({ Bucket: 'churn' }))).Contents!.map((o) => o.Key!);
      expect(left).toContain('last');
      for (const key of left) expect((await bytes(k.c(key.length), 'churn', key)).equals(body)).toBe(true);
      const objects = await k.chunkObjects();
      expect(new Set(objects.keys())).toEqual(new Set(hashes));
      let f = await k.fsck();
      expect(f.report.findings).toEqual([]);
      expect(f.report.stats.referencedChunks).toBe(3);

      // Everything deleted through C, GC on B: the last chunk objects go, fsck still clean.
      for (const key of left) await k.c(2).send(new DeleteObjectCommand({ Bucket: 'churn', Key: key }));
      expect((await k.gws[1].server.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(3);
      expect((await k.chunkObjects()).size).toBe(0);
      f = await k.fsck();
      expect(f.report.findings).toEqual([]);
      expect(f.code).toBe(0);
    } finally {
      await k.stop();
    }
  });

  test('GC on one gateway never deletes a chunk an upload on another gateway found (dedup) and has not committed yet', async () => {
    const k = await cluster(3, { gcIntervalMs: 0, gcGraceMs: 0 });
    try {
      await k.c(0).send(new CreateBucketCommand({ Bucket: 'pin' }));
      const head = randomBytes(2 * MiB); // 2 chunks, first stored by `old`
      const tail = randomBytes(MiB + 3);
      await k.c(0).send(new PutObjectCommand({ Bucket: 'pin', Key: 'old', Body: head }));
      // B receives head (its chunks exist: dedup, pinned in the database), then the body stalls.
      const stream = new PassThrough();
      const put = k.c(1).send(new PutObjectCommand({ Bucket: 'pin', Key: 'new', Body: stream, ContentLength: head.length + tail.length }));
      stream.write(head);
      await new Promise((r) => setTimeout(r, 400));
      // Meanwhile A drops the only reference and collects with grace 0: the pinned chunks stay.
      await k.c(0).send(new DeleteObjectCommand({ Bucket: 'pin', Key: 'old' }));
      await k.gws[0].server.engine.gc({ graceMs: 0 });
      const kept = await k.chunkObjects();
      for (const h of chunkHashes(head)) expect(kept.has(h)).toBe(true);
      stream.end(tail);
      await put;
      expect((await bytes(k.c(2), 'pin', 'new')).equals(Buffer.concat([head, tail]))).toBe(true);
      const f = await k.fsck();
      expect(f.report.findings).toEqual([]);
      // Once committed and deleted, GC on C frees all of them.
      await k.c(1).send(new DeleteObjectCommand({ Bucket: 'pin', Key: 'new' }));
      expect((await k.gws[2].server.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(4); // head's 2 + tail's 2
      expect((await k.chunkObjects()).size).toBe(0);
    } finally {
      await k.stop();
    }
  });

  test('a gateway killed with SIGKILL mid-upload: nothing acknowledged is lost, its multipart upload completes elsewhere, fsck finds only its unfinished chunk objects', async () => {
    const k = await cluster(2, { gcIntervalMs: 0, gcGraceMs: 0 });
    const victimDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cairn-gwv-'));
    const proc = await spawnServer(
      ['--data', victimDir, '--meta', k.meta, '--chunks', k.chunks, '--port', '0', '--quiet', '--workers', 'none', '--gc-interval', '0'],
      {
        CAIRN_ACCESS_KEY_ID: ROOT_KEY,
        CAIRN_SECRET_ACCESS_KEY: ROOT_SECRET,
        CAIRN_CHUNKS_ACCESS_KEY_ID: ROOT_KEY,
        CAIRN_CHUNKS_SECRET_ACCESS_KEY: ROOT_SECRET,
      },
    );
    const victim = new S3Client({
      endpoint: proc.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
    });
    try {
      await victim.send(new CreateBucketCommand({ Bucket: 'survive' }));
      const acked: Record<string, Buffer> = {};
      for (let i = 0; i < 6; i++) {
        const b = randomBytes(i % 2 ? 1500 * 1024 : 100);
        await victim.send(new PutObjectCommand({ Bucket: 'survive', Key: `acked${i}`, Body: b }));
        acked[`acked${i}`] = b;
      }
      const { UploadId } = await victim.send(new CreateMultipartUploadCommand({ Bucket: 'survive', Key: 'mp' }));
      const p1 = randomBytes(5 * MiB);
      const e1 = await victim.send(new UploadPartCommand({ Bucket: 'survive', Key: 'mp', UploadId, PartNumber: 1, Body: p1 }));

      // A large PUT in flight; the gateway is killed once some of its chunks reached the chunk store.
      const inflightBody = randomBytes(12 * MiB);
      const inflightHashes = new Set(chunkHashes(inflightBody));
      const inflight = victim.send(new PutObjectCommand({ Bucket: 'survive', Key: 'inflight', Body: inflightBody })).then(
        () => 'acked',
        () => 'failed',
      );
      for (let i = 0; i < 200; i++) {
        if ([...(await k.chunkObjects()).keys()].some((h) => inflightHashes.has(h))) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await proc.kill();
      const outcome = await inflight;

      // The survivors serve everything acknowledged, and finish the dead gateway's multipart upload.
      for (const [key, b] of Object.entries(acked)) expect((await bytes(k.c(key.length), 'survive', key)).equals(b)).toBe(true);
      if (outcome === 'acked') expect((await bytes(k.c(0), 'survive', 'inflight')).equals(inflightBody)).toBe(true);
      else await expect(k.c(0).send(new GetObjectCommand({ Bucket: 'survive', Key: 'inflight' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
      expect((await k.c(1).send(new ListPartsCommand({ Bucket: 'survive', Key: 'mp', UploadId }))).Parts?.map((p) => p.ETag)).toEqual([e1.ETag]);
      const p2 = randomBytes(MiB + 5);
      const e2 = await k.c(0).send(new UploadPartCommand({ Bucket: 'survive', Key: 'mp', UploadId, PartNumber: 2, Body: p2 }));
      await k.c(1).send(
        new CompleteMultipartUploadCommand({
          Bucket: 'survive',
          Key: 'mp',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: e1.ETag },
              { PartNumber: 2, ETag: e2.ETag },
            ],
          },
        }),
      );
      expect((await bytes(k.c(0), 'survive', 'mp')).equals(Buffer.concat([p1, p2]))).toBe(true);

      // fsck: the metadata is consistent; what is left over are chunk objects of the killed
      // upload (written, never committed), and nothing else.
      const { report } = await k.fsck();
      const orphans = report.findings.filter((x) => x.kind === 'orphan-chunk-file');
      expect(report.findings.filter((x) => x.kind !== 'orphan-chunk-file')).toEqual([]);
      if (outcome === 'failed') expect(orphans.length).toBeGreaterThan(0);
      for (const o of orphans) expect(inflightHashes.has(/chunk file ([0-9a-f]{64})/.exec(o.message)![1])).toBe(true);
      // GC keeps them while the dead gateway's pins (rows in the database) live: 6 h, since an
      // upload may take that long. Expired (simulated here), GC on a survivor removes them.
      expect((await k.gws[0].server.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(0);
      const schema = new URL(k.meta).searchParams.get('schema')!;
      const sql = new Client({ connectionString: pgUrl.split('?')[0] });
      await sql.connect();
      try {
        const pins = await sql.query(`UPDATE "${schema}".chunk_pins SET expires_at = 0 WHERE owner LIKE $1`, [`%:${proc.child.pid}:%`]);
        if (orphans.length) expect(pins.rowCount).toBeGreaterThan(0);
      } finally {
        await sql.end();
      }
      expect((await k.gws[1].server.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(orphans.length);
      const after = await k.fsck();
      expect(after.report.findings).toEqual([]);
      expect(after.code).toBe(0);
      // The dead gateway left nothing in its --data either.
      expect(filesUnder(victimDir)).toEqual([]);
    } finally {
      victim.destroy();
      await proc.kill();
      await k.stop();
      await fs.promises.rm(victimDir, { recursive: true, force: true });
    }
  });
});
