/**
 * Child process for crash.test.ts: writes objects with fsync on, printing "ok <key> <md5>" after
 * each acknowledged put, until it is killed with SIGKILL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Engine } from '../src';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const e = await Engine.open({ dataDir: dir, chunkSize: 4096, fsync: true });
  await e.createBucket('crash', { owner: 'root' }).catch(() => undefined);
  const shared = randomBytes(4096 * 3);
  for (let i = 0; ; i++) {
    const body = i % 3 === 0 ? Buffer.concat([shared, randomBytes(i % 5000)]) : randomBytes(100 + ((i * 7919) % 20000));
    const key = `k${i % 40}`; // overwrites too: old versions' chunks lose references
    const meta = await e.putObject('crash', key, [body] as unknown as AsyncIterable<Buffer>, { owner: 'root' });
    process.stdout.write(`ok ${key} ${createHash('md5').update(body).digest('hex')} ${meta.etag}\n`);
    if (i % 25 === 0) await e.deleteObject('crash', `k${(i + 13) % 40}`).then(() => process.stdout.write(`del k${(i + 13) % 40}\n`));
  }
}
main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
