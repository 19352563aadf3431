/**
 * What the metrics layer reads from the engine: per-bucket counters (bucketUsage) and a report
 * of every gc() run (onGcRun).
 */
import { body, bytes, openEngine, type TestEngine } from './helpers';

describe('engine figures for metrics', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
  });
  afterEach(() => t.cleanup());

  it('bucketUsage: objects and logical bytes per bucket, with owner', async () => {
    await t.engine.createBucket('bkt-a', { owner: 'alice' });
    await t.engine.createBucket('bkt-b', { owner: 'bob' });
    await t.engine.putObject('bkt-a', 'x', body(bytes(100, 1)), { owner: 'alice' });
    await t.engine.putObject('bkt-a', 'y', body(bytes(50, 2)), { owner: 'alice' });
    await t.engine.putObject('bkt-b', 'z', body(bytes(7, 3)), { owner: 'bob' });
    const u = await t.engine.bucketUsage();
    expect(u).toEqual([
      { name: 'bkt-a', owner: 'alice', objects: 2, logicalBytes: 150 },
      { name: 'bkt-b', owner: 'bob', objects: 1, logicalBytes: 7 },
    ]);
    await t.engine.deleteObject('bkt-a', 'x');
    expect((await t.engine.bucketUsage())[0]).toEqual({ name: 'bkt-a', owner: 'alice', objects: 1, logicalBytes: 50 });
  });

  it('onGcRun hears every gc() with its result and duration; unsubscribe stops it', async () => {
    await t.engine.createBucket('bkt-a', { owner: 'alice' });
    await t.engine.putObject('bkt-a', 'x', body(bytes(5 * 16, 1)), { owner: 'alice' });
    await t.engine.deleteObject('bkt-a', 'x');
    const seen: unknown[] = [];
    const off = t.engine.onGcRun((r) => seen.push(r));
    const r = await t.engine.gc({ graceMs: 0 });
    expect(r.chunksRemoved).toBeGreaterThan(0);
    expect(seen).toEqual([{ result: r, durationMs: expect.any(Number) }]);
    off();
    await t.engine.gc({ graceMs: 0 });
    expect(seen).toHaveLength(1);
  });
});
