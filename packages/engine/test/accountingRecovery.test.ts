/**
 * Usage accounting keeps persisting after a failed flush: the flush chain must not stay
 * rejected forever (that silently dropped every later count, including the one at close).
 */
import { Engine } from '../src';
import { tempDir } from './helpers';
import fs from 'node:fs';

test('a failed usage flush does not stop later flushes (nor the one at close)', async () => {
  const dir = await tempDir();
  try {
    const engine = await Engine.open({ dataDir: dir, fsync: false });
    const committer = (engine as unknown as { ctx: { committer: { run: (...a: unknown[]) => Promise<unknown> } } }).ctx.committer;
    const run = committer.run.bind(committer);
    let failures = 1;
    committer.run = (...a: unknown[]) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : run(...a));

    engine.recordUsage({ userId: 'alice', bytesIn: 10, bytesOut: 0, requesterPays: false });
    await expect(engine.flushUsage()).rejects.toThrow('disk full');
    engine.recordUsage({ userId: 'alice', bytesIn: 5, bytesOut: 7, requesterPays: false });
    await engine.flushUsage();
    engine.recordUsage({ userId: 'alice', bytesIn: 1, bytesOut: 1, requesterPays: false });
    await engine.close(); // flushes the last count

    const reopened = await Engine.open({ dataDir: dir, fsync: false });
    try {
      expect(await reopened.accountUsage()).toEqual([
        { userId: 'alice', requests: 3, bytesIn: 16, bytesOut: 8, requesterPaysRequests: 0, requesterPaysBytes: 0 },
      ]);
    } finally {
      await reopened.close();
    }
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
});
