/**
 * Child process for feed.test.ts: registers a feed consumer (so nothing is trimmed), then puts
 * and deletes objects with fsync on, printing each acknowledged change, until killed with SIGKILL.
 */
import { randomBytes } from 'node:crypto';
import { Engine } from '../src';

async function main(): Promise<void> {
  const e = await Engine.open({ dataDir: process.argv[2], chunkSize: 4096, fsync: true });
  await e.createBucket('feed', { owner: 'root' }).catch(() => undefined);
  await e.registerFeedConsumer('audit');
  for (let i = 0; ; i++) {
    const key = `k${i % 20}`;
    if (i % 7 === 6) {
      await e.deleteObject('feed', key);
      process.stdout.write(`del ${key}\n`);
    } else {
      const meta = await e.putObject('feed', key, [randomBytes(50 + (i % 3000))] as unknown as AsyncIterable<Buffer>, { owner: 'root' });
      process.stdout.write(`ok ${key} ${meta.etag}\n`);
    }
  }
}
main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
