/**
 * Lifecycle scan measurement: fills a bucket with N tiny objects through the engine (fsync off),
 * gives it a rule that matches everything but is not yet due, and runs one lifecycle worker pass
 * in-process, reporting objects scanned per second and the process's peak RSS during the pass
 * (the worker pages through the bucket, so RSS must not grow with N).
 *
 *   node tools/bench/dist/lifecycleScan.js [N=1000000] [DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, LifecycleWorker, type PassContext } from '@cairn/engine';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const dir = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'cairn-lcscan-'));
  const e = await Engine.open({ dataDir: dir, fsync: false });
  await e.createBucket('scan', { owner: 'root' });
  const t0 = Date.now();
  const body = Buffer.from('x');
  for (let i = 0; i < n; i += 256) {
    await Promise.all(
      Array.from({ length: Math.min(256, n - i) }, (_, j) =>
        e.putObject('scan', `obj/${String(i + j).padStart(8, '0')}`, [body] as unknown as AsyncIterable<Buffer>, { owner: 'root' }),
      ),
    );
    if (i % 100_000 === 0) process.stderr.write(`filled ${i}\n`);
  }
  const fillS = (Date.now() - t0) / 1000;
  await e.putBucketLifecycle('scan', { rules: [{ id: 'later', status: 'Enabled', filter: {}, expiration: { days: 36500 } }] });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  let scanned = 0;
  const ctx: PassContext = { api: e, shouldStop: () => false, progress: async (p) => void (scanned += p.scanned ?? 0) };
  const t1 = Date.now();
  await new LifecycleWorker({ dayMs: 86_400_000 }).runPass(ctx);
  const scanS = (Date.now() - t1) / 1000;
  clearInterval(sampler);
  await e.close();
  if (!process.argv[3]) rmSync(dir, { recursive: true, force: true });
  const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
  process.stdout.write(
    JSON.stringify({
      objects: n,
      fillSeconds: fillS,
      scanned,
      scanSeconds: scanS,
      objectsPerSecond: Math.round(scanned / scanS),
      rssBeforeMB: Number(mb(rssBefore)),
      peakRssDuringScanMB: Number(mb(peak)),
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
