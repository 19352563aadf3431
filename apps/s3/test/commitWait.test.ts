/**
 * Commit-wait (middleware/s3Dispatch.ts): under group commit (LevelDB, fsync on) a change is
 * readable in the engine a moment before its shared fsync ends. The server must not answer a
 * read with it until that fsync is done, or a power loss could take back what a client saw.
 * Proved by holding the metadata sync open: the PUT's object is visible in the engine, yet a
 * GET, a HEAD, a listing and a conflicting conditional PUT all wait until the sync is released.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';

interface SyncProbe {
  sync(): Promise<void>;
}
const metaDb = (ts: TestServer) => (ts.server.engine as unknown as { ctx: { db: SyncProbe } }).ctx.db;
/** Batches this process has written (the committer's counter): background work (worker leases, feed upkeep) writes too. */
const batchesWritten = (ts: TestServer) => (ts.server.engine as unknown as { ctx: { committer: { written: number } } }).ctx.committer.written;

const onPostgres = process.env.CAIRN_TEST_META === 'postgres';
// PostgreSQL commits each change durably in its own transaction (no group commit to wait for).
const maybe = onPostgres ? describe.skip : describe;

maybe('commit-wait: reads are answered only once what they saw is durable', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ fsync: true });
    await ts.client().send(new CreateBucketCommand({ Bucket: 'commit-wait' }));
  });
  afterAll(() => ts.stop());

  it('holds GET, HEAD, ListObjectsV2 and If-None-Match PUT answers until the shared fsync ends', async () => {
    const s3 = ts.client();
    const db = metaDb(ts);
    const realSync = db.sync.bind(db);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = 0;
    db.sync = async () => {
      held++;
      await released;
      await realSync();
    };
    try {
      let putDone = false;
      const put = s3.send(new PutObjectCommand({ Bucket: 'commit-wait', Key: 'k', Body: 'new body' })).then((r) => ((putDone = true), r));
      // The batch is written (visible to the engine) while its sync is held.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const seen = await ts.server.engine.headObject('commit-wait', 'k').then(
          () => true,
          () => false,
        );
        if (seen && held > 0) break;
        if (Date.now() > deadline) throw new Error('the PUT never reached the engine');
        await new Promise((r) => setTimeout(r, 10));
      }
      const answered: string[] = [];
      const track = <T>(name: string, p: Promise<T>) =>
        p.then(
          (v) => (answered.push(name), v),
          (e: unknown) => {
            answered.push(name);
            throw e;
          },
        );
      const get = track('get', s3.send(new GetObjectCommand({ Bucket: 'commit-wait', Key: 'k' })));
      const head = track('head', s3.send(new HeadObjectCommand({ Bucket: 'commit-wait', Key: 'k' })));
      const list = track('list', s3.send(new ListObjectsV2Command({ Bucket: 'commit-wait' })));
      const conflict = track('ifNoneMatch', s3.send(new PutObjectCommand({ Bucket: 'commit-wait', Key: 'k', Body: 'other', IfNoneMatch: '*' })));
      conflict.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      expect({ answered, putDone }).toEqual({ answered: [], putDone: false });

      release();
      await put;
      const got = await get;
      expect(await got.Body!.transformToString()).toBe('new body');
      expect((await head).ContentLength).toBe(8);
      expect((await list).Contents?.map((o) => o.Key)).toEqual(['k']);
      await expect(conflict).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    } finally {
      release();
      db.sync = realSync;
    }
  });

  it('does not delay reads when nothing is pending', async () => {
    const s3 = ts.client();
    await s3.send(new PutObjectCommand({ Bucket: 'commit-wait', Key: 'idle', Body: 'x' }));
    const db = metaDb(ts);
    const realSync = db.sync.bind(db);
    let syncs = 0;
    db.sync = async () => {
      syncs++;
      await realSync();
    };
    const before = batchesWritten(ts);
    try {
      for (let i = 0; i < 20; i++) await s3.send(new GetObjectCommand({ Bucket: 'commit-wait', Key: 'idle' })).then((r) => r.Body!.transformToString());
      // Reads never start a sync of their own: any sync meanwhile made a background write durable
      // (a worker's lease renewal, feed upkeep), and there are at most as many of those as writes.
      expect(syncs).toBeLessThanOrEqual(batchesWritten(ts) - before);
    } finally {
      db.sync = realSync;
    }
  });

  it('a failed group sync is sticky: that change and every later change or read gets 503 until a restart', async () => {
    const own = await startTestServer({ fsync: true });
    try {
      const s3 = own.client();
      await s3.send(new CreateBucketCommand({ Bucket: 'sticky' }));
      await s3.send(new PutObjectCommand({ Bucket: 'sticky', Key: 'before', Body: 'durable' }));
      const db = metaDb(own);
      const realSync = db.sync.bind(db);
      let failNext = true;
      let letItFail!: () => void;
      const gate = new Promise<void>((r) => (letItFail = r));
      let entered!: () => void;
      const inSync = new Promise<void>((r) => (entered = r));
      db.sync = async () => {
        if (failNext) {
          failNext = false;
          entered();
          await gate;
          throw new Error('EIO: injected fsync failure');
        }
        await realSync();
      };
      const status = (p: Promise<unknown>) =>
        p.then(
          () => 200,
          (e: { $metadata?: { httpStatusCode?: number }; name?: string }) => `${e.$metadata?.httpStatusCode} ${e.name}`,
        );
      const first = status(s3.send(new PutObjectCommand({ Bucket: 'sticky', Key: 'k', Body: 'lost?' })));
      await inSync;
      // Written while the failing sync runs, so it waits for the next one: which must never come.
      const queued = status(own.client({ maxAttempts: 1 }).send(new PutObjectCommand({ Bucket: 'sticky', Key: 'q', Body: 'queued' })));
      await new Promise((r) => setTimeout(r, 300));
      letItFail();
      expect(await first).toBe('503 ServiceUnavailable');
      expect(await queued).toBe('503 ServiceUnavailable');
      // The sync would succeed now, but what the failed one covered may be gone: nothing more is
      // acknowledged, and no read that could show the unsynced change is answered.
      expect(await status(s3.send(new PutObjectCommand({ Bucket: 'sticky', Key: 'k2', Body: 'x' })))).toBe('503 ServiceUnavailable');
      expect(await status(s3.send(new GetObjectCommand({ Bucket: 'sticky', Key: 'k' })))).toBe('503 ServiceUnavailable');
      expect(await status(s3.send(new GetObjectCommand({ Bucket: 'sticky', Key: 'before' })))).toBe('503 ServiceUnavailable');
    } finally {
      await own.stop().catch(() => undefined);
    }
  });
});
