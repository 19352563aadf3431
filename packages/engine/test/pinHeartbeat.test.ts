/**
 * PostgreSQL chunk pins and the gateway heartbeat (meta/pgBackend.ts): GC on one gateway keeps a
 * pin of another gateway whose heartbeat lapsed only recently (a slow but living gateway), and a
 * gateway whose own heartbeat has not landed for SELF_FENCE_MS refuses changes (503) until it does.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PIN_OWNER_SILENCE_MS, SELF_FENCE_MS } from '../src/meta/pgBackend';
import { body, openEngine, type TestEngine } from './helpers';

interface PgProbe {
  backend: { lastBeatOk: number | undefined; owner: string; t: string };
  pins: { pin(id: string): Promise<void>; publishReadHorizon(oldestMs: number): Promise<void> };
}
const pg = (t: TestEngine) => (t.engine as unknown as { ctx: { db: PgProbe } }).ctx.db;
const maybe = process.env.CAIRN_TEST_PG_URL ? describe : describe.skip;

maybe('PostgreSQL pins and heartbeat', () => {
  it('a gateway whose heartbeat stopped landing refuses changes until the next beat', async () => {
    const t = await openEngine();
    try {
      await t.engine.createBucket('fence-bkt', { owner: 'alice' });
      const db = pg(t);
      expect(db.backend.lastBeatOk).toBeDefined(); // Engine.open published the first beat
      db.backend.lastBeatOk = Date.now() - SELF_FENCE_MS - 1000;
      await expect(t.engine.putObject('fence-bkt', 'k', body('x'), { owner: 'alice' })).rejects.toMatchObject({ code: 'ServiceUnavailable' });
      await expect(t.engine.headObject('fence-bkt', 'k')).rejects.toMatchObject({ code: 'NoSuchKey' }); // nothing committed
      await db.pins.publishReadHorizon(Infinity);
      await t.engine.putObject('fence-bkt', 'k', body('x'), { owner: 'alice' });
      expect((await t.engine.headObject('fence-bkt', 'k')).meta.size).toBe(1);
    } finally {
      await t.cleanup();
    }
  });

  it("GC keeps an old pin whose owner's heartbeat lapsed recently, and drops it once the owner is long silent", async () => {
    const a = await openEngine({ chunkSize: 32 * 1024 });
    try {
      await a.engine.createBucket('pin-bkt', { owner: 'alice' });
      // An object whose chunk then loses its last reference: GC (grace 0) would take it...
      const data = randomBytes(128 * 1024);
      await a.engine.putObject('pin-bkt', 'k', body(data, 8192), { owner: 'alice' });
      expect((await a.engine.headObject('pin-bkt', 'k')).meta.size).toBe(data.length);
      const db = pg(a);
      const chunkIds = await listChunkIds(a);
      expect(chunkIds.length).toBeGreaterThan(0);
      // ...but another "gateway" (owner g2) pinned it an hour ago and beat 30 s ago (lapsed, alive).
      const sql = new Client({ connectionString: process.env.CAIRN_TEST_PG_URL!.replace(/\?.*$/, '') });
      await sql.connect();
      try {
        const t = db.backend.t;
        const now = Date.now();
        for (const id of chunkIds) {
          await sql.query(`INSERT INTO ${t}.chunk_pins (chunk, owner, expires_at) VALUES ($1, 'g2', $2)`, [id, now - 3600_000 + 6 * 3600_000]);
        }
        await sql.query(`INSERT INTO ${t}.read_horizons (owner, oldest_ms, expires_at) VALUES ('g2', NULL, $1)`, [now - 30_000]);
        await a.engine.deleteObject('pin-bkt', 'k');
        const kept = await a.engine.gc({ graceMs: 0 });
        expect(kept.chunksRemoved).toBe(0);
        // g2 silent for longer than PIN_OWNER_SILENCE_MS: its pins no longer hold.
        await sql.query(`UPDATE ${t}.read_horizons SET expires_at = $1 WHERE owner = 'g2'`, [Date.now() - PIN_OWNER_SILENCE_MS - 60_000]);
        const freed = await a.engine.gc({ graceMs: 0 });
        expect(freed.chunksRemoved).toBe(chunkIds.length);
      } finally {
        await sql.end();
      }
    } finally {
      await a.cleanup();
    }
  });
});

async function listChunkIds(t: TestEngine): Promise<string[]> {
  const db = (t.engine as unknown as { ctx: { db: { all(o: { gte: Buffer; lt: Buffer }): Promise<[Buffer, Buffer][]> } } }).ctx.db;
  const rows = await db.all({ gte: Buffer.from('C/'), lt: Buffer.from('C0') });
  return rows.map(([k]) => k.subarray(2).toString('latin1'));
}
