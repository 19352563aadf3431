import { bytes, chunkFiles, openEngine, readAll } from './helpers';
import { Readable } from 'node:stream';

describe('streaming', () => {
  it('writes chunks while the body is still arriving (never buffers the whole body)', async () => {
    const t = await openEngine({ chunkSize: 1024 });
    await t.engine.createBucket('bkt', { owner: 'a' });
    const data = bytes(200 * 1024, 3);
    const filesSeen: number[] = [];
    async function* gen() {
      for (let i = 0; i < data.length; i += 4096) {
        if (i % (40 * 1024) === 0) filesSeen.push((await chunkFiles(t.dir)).length);
        yield data.subarray(i, i + 4096);
      }
    }
    await t.engine.putObject('bkt', 'k', gen(), { owner: 'a' });
    // by the time half the body was produced, dozens of chunks were already on disk
    expect(filesSeen[3]).toBeGreaterThanOrEqual(100);
    expect((await readAll((await t.engine.getObject('bkt', 'k')).body)).equals(data)).toBe(true);
    await t.cleanup();
  });

  it('GET bodies honour backpressure: a paused consumer stops chunk reads', async () => {
    const t = await openEngine({ chunkSize: 1024 });
    await t.engine.createBucket('bkt', { owner: 'a' });
    const data = bytes(1024 * 1024, 5);
    await t.engine.putObject('bkt', 'k', [data] as unknown as AsyncIterable<Buffer>, { owner: 'a' });
    const store = (
      t.engine as unknown as { ctx: { placements: { store(p?: string): { read: (h: string, s: number) => Promise<Buffer> } } } }
    ).ctx.placements.store(undefined);
    let reads = 0;
    const orig = store.read.bind(store);
    store.read = (h, s) => {
      reads++;
      return orig(h, s);
    };
    const res = await t.engine.getObject('bkt', 'k');
    const body: Readable = res.body;
    body.pause();
    body.once('readable', () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(reads).toBeLessThan(200); // highWaterMark 64 KiB + read-ahead, not the 1024 chunks
    expect((await readAll(body)).equals(data)).toBe(true);
    expect(reads).toBe(1024);
    await t.cleanup();
  });

  it('background GC runs on a timer and stops at close', async () => {
    const t = await openEngine({ gcGraceMs: 0 });
    await t.engine.createBucket('bkt', { owner: 'a' });
    await t.engine.putObject('bkt', 'k', [bytes(64)] as unknown as AsyncIterable<Buffer>, { owner: 'a' });
    await t.engine.deleteObject('bkt', 'k');
    expect((await chunkFiles(t.dir)).length).toBe(4);
    t.engine.startBackgroundGc(20);
    for (let i = 0; i < 50 && (await chunkFiles(t.dir)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await chunkFiles(t.dir)).toEqual([]);
    await t.cleanup(); // close() clears the timer (jest would report an open handle otherwise)
  });
});
