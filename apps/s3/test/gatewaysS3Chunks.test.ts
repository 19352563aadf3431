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
import { Writable } from 'node:stream';
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
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => !d.isDirectory()).map((d) => d.name) : [];
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
});
