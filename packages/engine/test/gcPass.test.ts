/**
 * Bounded GC passes (runGcPass), the background loop built on them, immediate removal of a
 * failed write's own chunk files, and chunk write failures (ENOSPC through the ChunkFileSystem
 * seam) as S3 errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { NODE_CHUNK_FS, S3Error, chunkRelativePath, type ChunkFileSystem } from '../src';
import { body, bytes, chunkFiles, openEngine, readAll, type TestEngine } from './helpers';

const CS = 16;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** node:fs, except that while `full` is set every chunk write fails with ENOSPC after `okBytes` bytes. */
function fillableFs(): ChunkFileSystem & { full: boolean; okBytes: number; failures: number } {
  const f = {
    full: false,
    okBytes: 0,
    failures: 0,
    async open(p: string, flags: 'wx') {
      const fh = await NODE_CHUNK_FS.open(p, flags);
      let written = 0;
      return {
        write: async (data: Buffer, offset: number, length: number) => {
          if (f.full && written + length > f.okBytes) {
            const room = f.okBytes - written;
            if (room > 0) {
              // a short write, as a filling disk gives; the next write gets ENOSPC
              const r = await fh.write(data, offset, room);
              written += r.bytesWritten;
              return r;
            }
            f.failures++;
            throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
          }
          const r = await fh.write(data, offset, length);
          written += r.bytesWritten;
          return r;
        },
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    },
  };
  return f;
}

/** Temp files (with PostgreSQL metadata they sit in a per-process directory under tmp/). */
async function tmpFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.promises.readdir(path.join(dir, 'chunks', 'tmp'), { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await fs.promises.readdir(path.join(dir, 'chunks', 'tmp', e.name))));
    else out.push(e.name);
  }
  return out;
}

describe('runGcPass', () => {
  let t: TestEngine;
  afterEach(() => t.cleanup());

  it('collects at most `limit` markers per pass and resumes where it stopped', async () => {
    t = await openEngine({ gcGraceMs: 0 });
    await t.engine.createBucket('bkt', { owner: 'a' });
    for (let i = 0; i < 5; i++) await t.engine.putObject('bkt', `k${i}`, body(bytes(4 * CS, i + 1)), { owner: 'a' });
    for (let i = 0; i < 5; i++) await t.engine.deleteObject('bkt', `k${i}`);
    expect(await chunkFiles(t.dir)).toHaveLength(20);

    const removed: number[] = [];
    for (let pass = 0; pass < 10; pass++) {
      const r = await t.engine.runGcPass({ limit: 6 });
      expect(r.examined).toBeLessThanOrEqual(6);
      removed.push(r.chunksRemoved);
      if (r.complete) break;
    }
    expect(removed.slice(0, 3)).toEqual([6, 6, 6]); // bounded, and never the same marker twice
    expect(removed.reduce((a, b) => a + b, 0)).toBe(20);
    expect(await chunkFiles(t.dir)).toEqual([]);
    expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  it('the orphan walk is bounded too and covers every file across passes', async () => {
    t = await openEngine({ gcGraceMs: 0 });
    const names: string[] = [];
    for (let i = 0; i < 9; i++) {
      const junk = Buffer.from(`orphan ${i}`);
      const file = path.join(t.dir, 'chunks', chunkRelativePath(sha(junk)));
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, junk);
      names.push(sha(junk));
    }
    const first = await t.engine.runGcPass({ limit: 4 });
    expect(first).toMatchObject({ chunksRemoved: 4, examined: 4, complete: false });
    const second = await t.engine.runGcPass({ limit: 4 });
    expect(second).toMatchObject({ chunksRemoved: 4, complete: false });
    const third = await t.engine.runGcPass({ limit: 4 });
    expect(third).toMatchObject({ chunksRemoved: 1, complete: true });
    expect(await chunkFiles(t.dir)).toEqual([]);
  });

  it('respects the grace period and pins like gc()', async () => {
    t = await openEngine({ gcGraceMs: 60_000 });
    await t.engine.createBucket('bkt', { owner: 'a' });
    await t.engine.putObject('bkt', 'k', body(bytes(3 * CS)), { owner: 'a' });
    await t.engine.deleteObject('bkt', 'k');
    expect((await t.engine.runGcPass({ limit: 100 })).chunksRemoved).toBe(0);
    expect(await chunkFiles(t.dir)).toHaveLength(3);
    expect((await t.engine.runGcPass({ limit: 100, graceMs: 0 })).chunksRemoved).toBe(3);
  });

  it('the background loop frees deleted data while writes continue, and stops at close', async () => {
    t = await openEngine({ gcGraceMs: 0 });
    await t.engine.createBucket('bkt', { owner: 'a' });
    const passes: number[] = [];
    t.engine.startBackgroundGc(
      5,
      (e) => {
        throw e;
      },
      { limit: 3, onPass: (r) => passes.push(r.examined) },
    );
    const keep = bytes(6 * CS, 77);
    for (let i = 0; i < 20; i++) {
      await t.engine.putObject('bkt', 'churn', body(bytes(4 * CS, 100 + i)), { owner: 'a' });
      await t.engine.putObject('bkt', 'keep', body(keep), { owner: 'a' }); // same chunks, re-referenced every time
    }
    await t.engine.deleteObject('bkt', 'churn');
    for (let i = 0; i < 200 && (await chunkFiles(t.dir)).length > 6; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await chunkFiles(t.dir)).toHaveLength(6);
    expect(Math.max(...passes)).toBeLessThanOrEqual(3);
    expect((await readAll((await t.engine.getObject('bkt', 'keep')).body)).equals(keep)).toBe(true);
    expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });
});

describe('a failed write removes its own chunk files at once', () => {
  let t: TestEngine;
  afterEach(() => t.cleanup());

  it('but never a chunk another object references or another upload pins', async () => {
    t = await openEngine(); // default 60 s grace: GC could not have done this
    await t.engine.createBucket('bkt', { owner: 'a' });
    const shared = bytes(2 * CS, 5);
    await t.engine.putObject('bkt', 'owner-of-shared', body(shared), { owner: 'a' });
    const before = new Set(await chunkFiles(t.dir));

    // A body of: the shared chunks, new chunks, then the stream fails.
    async function* failing() {
      yield shared;
      yield bytes(3 * CS, 6);
      throw new S3Error('IncompleteBody', 'gone');
    }
    await expect(t.engine.putObject('bkt', 'f', failing(), { owner: 'a' })).rejects.toMatchObject({ code: 'IncompleteBody' });
    expect(new Set(await chunkFiles(t.dir))).toEqual(before);

    // Refused at commit (precondition): same.
    await expect(t.engine.putObject('bkt', 'owner-of-shared', body(bytes(4 * CS, 8)), { owner: 'a', conditions: { ifMatch: '"nope"' } })).rejects.toMatchObject(
      { code: 'PreconditionFailed' },
    );
    expect(new Set(await chunkFiles(t.dir))).toEqual(before);

    // Two uploads of the same new bytes; one fails: the other's commit still finds its chunks.
    const same = bytes(3 * CS, 9);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = t.engine.putObject('bkt', 'slow', body(same), { owner: 'a', verify: () => gate });
    await new Promise((r) => setTimeout(r, 20)); // slow has written + pinned its chunks
    await expect(
      t.engine.putObject('bkt', 'fails', body(same), { owner: 'a', verify: () => Promise.reject(new S3Error('BadDigest', 'x')) }),
    ).rejects.toMatchObject({ code: 'BadDigest' });
    release();
    await slow;
    expect((await readAll((await t.engine.getObject('bkt', 'slow')).body)).equals(same)).toBe(true);
    expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  it('multipart: a refused part leaves nothing; completed parts are untouched', async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'a' });
    const u = await t.engine.createMultipartUpload('bkt', 'mp', { owner: 'a' });
    await t.engine.uploadPart('bkt', 'mp', u.uploadId, 1, body(bytes(4 * CS, 1)));
    const before = await chunkFiles(t.dir);
    await expect(
      t.engine.uploadPart('bkt', 'mp', u.uploadId, 2, body(bytes(4 * CS, 2)), {
        verify: () => {
          throw new S3Error('BadDigest', 'x');
        },
      }),
    ).rejects.toMatchObject({ code: 'BadDigest' });
    expect((await chunkFiles(t.dir)).sort()).toEqual(before.sort());
  });
});

describe('chunk write failures (ChunkFileSystem seam)', () => {
  let t: TestEngine;
  afterEach(() => t.cleanup());

  it('ENOSPC → InsufficientStorage naming the cause; nothing committed or left behind; works again once space returns', async () => {
    const files = fillableFs();
    t = await openEngine({ chunkFileSystem: files });
    await t.engine.createBucket('bkt', { owner: 'a' });
    await t.engine.putObject('bkt', 'before', body(bytes(3 * CS, 1)), { owner: 'a' });
    const kept = await chunkFiles(t.dir);

    files.full = true;
    files.okBytes = 5; // the first chunk that needs a new file fails part-way
    const err = await t.engine.putObject('bkt', 'big', body(bytes(10 * CS, 2)), { owner: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3Error);
    expect(err).toMatchObject({ code: 'InsufficientStorage' });
    expect((err as Error).message).toMatch(/ENOSPC: no space left on device/);
    expect((err as Error).message).not.toContain(t.dir); // no server paths to clients
    expect(files.failures).toBeGreaterThan(0);
    expect((await chunkFiles(t.dir)).sort()).toEqual(kept.sort());
    expect(await tmpFiles(t.dir)).toEqual([]);
    await expect(t.engine.headObject('bkt', 'big')).rejects.toMatchObject({ code: 'NoSuchKey' });

    const u = await t.engine.createMultipartUpload('bkt', 'mp', { owner: 'a' });
    await expect(t.engine.uploadPart('bkt', 'mp', u.uploadId, 1, body(bytes(5 * CS, 3)))).rejects.toMatchObject({ code: 'InsufficientStorage' });
    expect((await chunkFiles(t.dir)).sort()).toEqual(kept.sort());

    files.full = false;
    const data = bytes(10 * CS, 2);
    await t.engine.putObject('bkt', 'big', body(data), { owner: 'a' });
    expect((await readAll((await t.engine.getObject('bkt', 'big')).body)).equals(data)).toBe(true);
    await t.engine.uploadPart('bkt', 'mp', u.uploadId, 1, body(bytes(5 * CS, 3)));
    expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  it('another I/O error → InternalError naming it', async () => {
    t = await openEngine({
      chunkFileSystem: {
        open: async () => {
          throw Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS', errno: -30 });
        },
      },
    });
    await t.engine.createBucket('bkt', { owner: 'a' });
    const err = await t.engine.putObject('bkt', 'k', body(bytes(3 * CS)), { owner: 'a' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InternalError' });
    expect((err as Error).message).toMatch(/EROFS: read-only file system/);
    expect(await chunkFiles(t.dir)).toEqual([]);
  });
});

describe('a body of undeclared length (chunked transfer coding)', () => {
  it('over the size limit: EntityTooLarge while streaming; reading stops there and nothing is left', async () => {
    const { chunkBody } = await import('../src/chunks/chunker');
    const { ChunkStore } = await import('../src/chunks/chunkStore');
    const t = await openEngine();
    try {
      const store = new ChunkStore(t.dir, false);
      await store.init();
      let pulled = 0;
      async function* endless() {
        for (;;) {
          pulled++;
          yield bytes(CS, pulled);
        }
      }
      const discarded: string[] = [];
      await expect(chunkBody(endless(), { chunkSize: CS, store, maxSize: 10 * CS, discard: async (h) => void discarded.push(...h) })).rejects.toMatchObject({
        code: 'EntityTooLarge',
        fields: { ProposedSize: String(11 * CS), MaxSizeAllowed: String(10 * CS) },
      });
      expect(pulled).toBe(11); // stopped at the first byte over the limit
      expect(discarded).toHaveLength(10); // the written chunks go to discard (putObject: discardUnreferenced)
    } finally {
      await t.cleanup();
    }
  });
});
