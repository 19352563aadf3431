/** The GET read-buffer pool (chunks/readBuffers.ts) and pooled getObject bodies. */
import { Readable } from 'node:stream';
import { releaseBodyBuffer, takeReadBuffer } from '../src/chunks/readBuffers';
import { openEngine } from './helpers';

describe('read buffer pool', () => {
  test('a handed-back buffer (or any view of it) is reused once; foreign and repeated hand-backs are ignored', () => {
    const a = takeReadBuffer(64);
    expect(a.length).toBe(64);
    releaseBodyBuffer(a.subarray(3, 10)); // a range GET hands back a view
    releaseBodyBuffer(a); // twice: ignored
    releaseBodyBuffer(Buffer.alloc(a.length)); // not the pool's: ignored
    const b = takeReadBuffer(64);
    expect(b.buffer).toBe(a.buffer);
    const c = takeReadBuffer(64);
    expect(c.buffer).not.toBe(a.buffer); // handed out once only
    expect(takeReadBuffer(65).buffer).not.toBe(a.buffer); // pooled by size
  });
});

describe('getObject({ pooledBuffers })', () => {
  test('bodies read through pooled buffers are byte-exact, whole and ranged, and hand-backs are reused', async () => {
    const t = await openEngine({ chunkSize: 1024 });
    try {
      await t.engine.createBucket('bkt', { owner: 'root' });
      const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
      await t.engine.putObject('bkt', 'k', Readable.from([data]), { owner: 'root' });
      for (const range of [undefined, { kind: 'range' as const, start: 1000, end: 3100 }]) {
        const r = await t.engine.getObject('bkt', 'k', { pooledBuffers: true, ...(range ? { range } : {}) });
        const parts: Buffer[] = [];
        for await (const piece of r.body) {
          parts.push(Buffer.from(piece as Buffer)); // copy, then hand back: the next read may reuse it
          releaseBodyBuffer(piece as Buffer);
        }
        expect(Buffer.concat(parts)).toEqual(range ? data.subarray(1000, 3101) : data);
      }
    } finally {
      await t.cleanup();
    }
  });
});
