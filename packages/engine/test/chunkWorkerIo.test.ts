import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { chunkRelativePath } from '../src';
import { body, openEngine, readAll, type TestEngine } from './helpers';

/**
 * 1 MiB chunks of an upload are written by the hash workers (hashPool.ts writeChunkFile): the
 * same guarantees as the event-loop path — files land whole under their hash, no temp files
 * stay behind, a damaged, short, long or missing chunk file is a read error (never wrong bytes),
 * and re-uploading the content rewrites a missing chunk.
 */
describe('chunk files written by the hash workers', () => {
  const CS = 1024 * 1024;
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine({ onDisk: true, fsync: true, chunkSize: CS });
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  const put = (key: string, data: Buffer) => t.engine.putObject('bkt', key, body(data, 64 * 1024), { owner: 'alice', contentLength: data.length });
  const get = async (key: string) => readAll((await t.engine.getObject('bkt', key)).body);

  it('round-trips large bodies, deduplicates, and refuses damaged files', async () => {
    const data = randomBytes(3 * CS + 123);
    await put('k', data);
    expect((await get('k')).equals(data)).toBe(true);
    const hash = createHash('sha256')
      .update(data.subarray(CS, 2 * CS))
      .digest('hex');
    const file = path.join(t.dir, 'chunks', chunkRelativePath(hash));
    expect((await fs.promises.stat(file)).size).toBe(CS);

    const flipped = Buffer.from(data.subarray(CS, 2 * CS));
    flipped[777] ^= 1;
    for (const damaged of [flipped, data.subarray(CS, 2 * CS - 1), Buffer.concat([data.subarray(CS, 2 * CS), Buffer.from('x')])]) {
      await fs.promises.writeFile(file, damaged);
      await expect(get('k')).rejects.toMatchObject({ code: 'InternalError' });
    }
    await fs.promises.unlink(file);
    await expect(get('k')).rejects.toThrow(/missing/);
    // a new upload of the same content rewrites the missing chunk
    await put('k2', data);
    expect((await get('k')).equals(data)).toBe(true);
    // no temp files left behind
    expect(await fs.promises.readdir(path.join(t.dir, 'chunks', 'tmp'))).toEqual([]);
  });
});
