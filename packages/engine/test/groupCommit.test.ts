import * as fs from 'node:fs';
import { Engine } from '../src';
import { body, openEngine, readAll } from './helpers';

interface DbProbe {
  /** The LevelDB backend: the Committer's writes go through its batch (LevelBackend.exclusive). */
  backend: { batch(ops: { key: Buffer }[], sync: boolean): Promise<void> };
  sync(): Promise<void>;
}
interface CommitProbe {
  syncs: number;
  durableNow(): Promise<void>;
}
const internals = (e: Engine) => (e as unknown as { ctx: { db: DbProbe; committer: CommitProbe } }).ctx;

/**
 * Group commit (meta/commit.ts): with fsync on, concurrent changes share fsyncs, yet each one is
 * acknowledged only after a sync that began after its own batch was written.
 */
describe('group commit', () => {
  it('shares syncs between concurrent PUTs and acknowledges each only once durable', async () => {
    const t = await openEngine({ onDisk: true, fsync: true, chunkSize: 1024 * 1024 });
    try {
      await t.engine.createBucket('bkt', { owner: 'alice' });
      const { db, committer } = internals(t.engine);
      // Event log: when each object's batch was written, when each sync started and ended.
      const log: string[] = [];
      const be = db.backend;
      const batch = be.batch.bind(be);
      be.batch = async (ops, sync) => {
        await batch(ops, sync);
        for (const o of ops) {
          const k = o.key.toString('latin1');
          const m = /obj-(\d+)/.exec(k);
          if (m && k.startsWith('O/')) log.push(`write ${m[1]}${sync ? ' synced' : ''}`);
        }
      };
      const N = 48;
      // The first sync is held until every change has been written, so the rest must queue
      // behind it and share one sync (deterministic however fast the disk is).
      let allWritten!: () => void;
      const written = new Promise<void>((r) => (allWritten = r));
      const sync = db.sync.bind(db);
      let n = 0;
      db.sync = async () => {
        const id = n++;
        log.push(`sync-start ${id}`);
        if (id === 0) await written;
        await sync();
        log.push(`sync-end ${id}`);
      };
      const batchAndCount = be.batch;
      be.batch = async (ops, syncFlag) => {
        await batchAndCount(ops, syncFlag);
        if (log.filter((e) => e.startsWith('write ')).length === N) allWritten();
      };
      const syncs0 = committer.syncs;
      await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          await t.engine.putObject('bkt', `obj-${i}`, body(`body ${i}`), { owner: 'alice' });
          log.push(`ack ${i}`);
        }),
      );
      const used = committer.syncs - syncs0;
      expect(used).toBe(2); // the held one (its change alone), then one for the other 47
      for (let i = 0; i < N; i++) {
        const w = log.indexOf(`write ${i}`);
        const ack = log.indexOf(`ack ${i}`);
        expect(w).toBeGreaterThanOrEqual(0);
        // some sync started after the write and ended before the acknowledgement
        const covering = log
          .slice(w + 1, ack)
          .filter((e) => e.startsWith('sync-start'))
          .map((e) => e.split(' ')[1]);
        expect(covering.some((id) => log.indexOf(`sync-end ${id}`) < ack)).toBe(true);
      }
    } finally {
      await t.cleanup();
    }
  });

  it('concurrent group-committed puts and deletes all apply, in order, and read back after a clean reopen (ordering, not fsync: see the sync-ordering test above)', async () => {
    const t = await openEngine({ onDisk: true, fsync: true, chunkSize: 1024 * 1024 });
    try {
      await t.engine.createBucket('bkt', { owner: 'alice' });
      await Promise.all(Array.from({ length: 32 }, (_, i) => t.engine.putObject('bkt', `k${i}`, body(`v${i}`), { owner: 'alice' })));
      await Promise.all(Array.from({ length: 8 }, (_, i) => t.engine.deleteObject('bkt', `k${i}`)));
      await t.engine.close();
      const e2 = await Engine.open({ dataDir: t.dir, fsync: true, chunkSize: 1024 * 1024 });
      try {
        for (let i = 0; i < 32; i++) {
          if (i < 8) await expect(e2.getObject('bkt', `k${i}`)).rejects.toMatchObject({ code: 'NoSuchKey' });
          else expect((await readAll((await e2.getObject('bkt', `k${i}`)).body)).toString()).toBe(`v${i}`);
        }
      } finally {
        await e2.close();
      }
    } finally {
      await fs.promises.rm(t.dir, { recursive: true, force: true });
    }
  });

  it('durableNow (used by feed readers) waits for a pending sync, and costs nothing when none is pending', async () => {
    const t = await openEngine({ onDisk: true, fsync: true, chunkSize: 1024 * 1024 });
    try {
      await t.engine.createBucket('bkt', { owner: 'alice' });
      const { db, committer } = internals(t.engine);
      const syncs0 = committer.syncs;
      await committer.durableNow();
      expect(committer.syncs).toBe(syncs0); // nothing pending: no sync
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let wrote!: () => void;
      const written = new Promise<void>((r) => (wrote = r));
      const sync = db.sync.bind(db);
      db.sync = async () => {
        wrote();
        await gate;
        await sync();
      };
      const put = t.engine.putObject('bkt', 'k', body('v'), { owner: 'alice' });
      await written; // its batch is written, its sync is held
      let durable = false;
      const d = committer.durableNow().then(() => (durable = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(durable).toBe(false);
      release();
      await Promise.all([d, put]);
      expect(durable).toBe(true);
    } finally {
      await t.cleanup();
    }
  });

  it('without fsync nothing waits for a sync', async () => {
    const t = await openEngine({ onDisk: true, fsync: false });
    try {
      await t.engine.createBucket('bkt', { owner: 'alice' });
      await Promise.all(Array.from({ length: 8 }, (_, i) => t.engine.putObject('bkt', `k${i}`, body('x'), { owner: 'alice' })));
      expect(internals(t.engine).committer.syncs).toBe(0);
    } finally {
      await t.cleanup();
    }
  });

  // PostgreSQL commits are durable at COMMIT (groupSync false): every change commits synced in its
  // own transaction, and the Committer never runs a group sync.
  (process.env.CAIRN_TEST_PG_URL ? it : it.skip)('PostgreSQL: each change durable at its COMMIT, no group sync', async () => {
    const t = await openEngine({ fsync: true });
    try {
      const { db, committer } = internals(t.engine);
      expect((db as unknown as { groupSync: boolean }).groupSync).toBe(false);
      await t.engine.createBucket('bkt', { owner: 'alice' });
      await Promise.all(Array.from({ length: 8 }, (_, i) => t.engine.putObject('bkt', `k${i}`, body(`v${i}`), { owner: 'alice' })));
      expect(committer.syncs).toBe(0);
      for (let i = 0; i < 8; i++) expect((await readAll((await t.engine.getObject('bkt', `k${i}`)).body)).toString()).toBe(`v${i}`);
    } finally {
      await t.cleanup();
    }
  });
});
