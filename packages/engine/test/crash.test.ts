import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { buildSync } from 'esbuild';
import { Engine } from '../src';
import { readAll, tempDir } from './helpers';

/**
 * kill -9 while writing: after reopening, every acknowledged object reads back intact and the
 * refcounts, GC markers and usage counters are consistent (metadata batches are atomic and chunk
 * files are durable before the batch that references them).
 */
describe('crash safety', () => {
  it('acknowledged objects survive kill -9 mid-write', async () => {
    const dir = await tempDir();
    // Bundled next to the workspace's node_modules so the child resolves `level` from there.
    const cacheDir = path.join(__dirname, '..', '..', '..', 'node_modules', '.cache', 'cairn-engine-test');
    await fs.promises.mkdir(cacheDir, { recursive: true });
    const out = path.join(cacheDir, `crash-child-${process.pid}.js`);
    buildSync({
      entryPoints: [path.join(__dirname, 'crash-child.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile: out,
      external: ['level', 'classic-level', 'memory-level', 'abstract-level'],
      logLevel: 'silent',
    });
    const data = path.join(dir, 'data');
    const latest = new Map<string, string | null>();
    for (let round = 0; round < 2; round++) {
      const child = spawn(process.execPath, [out, data], { stdio: ['ignore', 'pipe', 'pipe'] });
      let buf = '';
      let acks = 0;
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) {
            const [what, key, md5, etag] = l.split(' ');
            if (what === 'ok') {
              expect(etag).toBe(md5);
              latest.set(key, md5);
              acks++;
            } else if (what === 'del') latest.set(key, null);
          }
          if (acks >= 150 + round * 50) child.kill('SIGKILL');
        });
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))));
      });
    }

    const e = await Engine.open({ dataDir: data, chunkSize: 4096 });
    try {
      const report = await e.verifyRefcounts({ checkFiles: true });
      expect(report.problems).toEqual([]);
      // The child works sequentially, so only the operation in flight at each kill may differ
      // from the last acknowledged state: at most one key per round.
      let differing = 0;
      for (const [key, md5] of latest) {
        const got = await e.getObject('crash', key).catch((err) => err);
        if (md5 === null) {
          if (got.code !== 'NoSuchKey') differing++;
          continue;
        }
        const bytes = await readAll(got.body);
        expect(bytes.length).toBe(got.meta.size);
        if (createHash('md5').update(bytes).digest('hex') !== md5) differing++;
        expect(createHash('md5').update(bytes).digest('hex')).toBe(got.meta.etag);
      }
      expect(differing).toBeLessThanOrEqual(2);
      await e.gc({ graceMs: 0 });
      expect((await e.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
    } finally {
      await e.close();
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.rm(out, { force: true });
    }
  }, 60_000);
});
