/**
 * After the machine went down with a LevelDB store open (power loss, kernel crash), group commit
 * may have left unacknowledged batches on disk out of order (engine meta/bootMarker.ts), so
 * `cairn serve` checks and repairs the store before serving. Simulated by the marker a running
 * store leaves (meta/OPEN-BOOT) naming another boot, plus a chunk reference count out of step
 * with the records, the damage such a reordering can do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { fsck } from '@cairn/engine';
import { Level } from 'level';
import { startTestServer } from './helpers/server';

const onPostgres = process.env.CAIRN_TEST_META === 'postgres';
const maybe = onPostgres ? describe.skip : describe; // LevelDB only: PostgreSQL commits are durable one by one

const marker = (dataDir: string) => path.join(dataDir, 'meta', 'OPEN-BOOT');

/** Bumps every chunk record's reference count by one (what a lost earlier batch can leave). */
async function skewRefcounts(dataDir: string): Promise<number> {
  const db = new Level<Buffer, Buffer>(path.join(dataDir, 'meta'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  let n = 0;
  try {
    for await (const [k, v] of db.iterator({ gte: Buffer.from('C/'), lt: Buffer.from('C0') })) {
      const rec = JSON.parse(v.toString('utf8')) as { refs: number };
      rec.refs += 1;
      await db.put(k, Buffer.from(JSON.stringify(rec)));
      n++;
    }
  } finally {
    await db.close();
  }
  return n;
}

async function startCapturing(dataDir: string): Promise<{ ts: Awaited<ReturnType<typeof startTestServer>>; said: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let said = '';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    said += chunk.toString();
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    const ts = await startTestServer({ dataDir, fsync: true, quiet: false, logLevel: 'silent' });
    return { ts, said };
  } finally {
    process.stderr.write = write;
  }
}

maybe('serve after an unclean reboot', () => {
  let dataDir: string;
  const big = randomBytes(3 * 1024 * 1024 + 5);
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cairn-reboot-'));
    const ts = await startTestServer({ dataDir, fsync: true });
    expect(fs.existsSync(marker(dataDir))).toBe(true); // open in this boot
    const s3 = ts.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'reboot' }));
    await s3.send(new PutObjectCommand({ Bucket: 'reboot', Key: 'big', Body: big }));
    await s3.send(new PutObjectCommand({ Bucket: 'reboot', Key: 'small', Body: 'small body' }));
    await ts.stop();
    expect(fs.existsSync(marker(dataDir))).toBe(false); // a clean close removes it
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('a store open in the same boot (a process crash) starts without a check', async () => {
    const skewed = await skewRefcounts(dataDir);
    expect(skewed).toBeGreaterThan(0);
    fs.writeFileSync(marker(dataDir), JSON.stringify({ bootId: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() }));
    const { ts, said } = await startCapturing(dataDir);
    await ts.stop();
    expect(said).not.toMatch(/machine went down/);
    const report = await fsck(dataDir);
    expect(report.findings.filter((f) => f.kind === 'refcount')).toHaveLength(skewed); // still there: no check ran
  });

  it('a store left open by an earlier boot is checked and repaired before the first request', async () => {
    fs.writeFileSync(marker(dataDir), JSON.stringify({ bootId: 'an-earlier-boot' }));
    const { ts, said } = await startCapturing(dataDir);
    try {
      expect(said).toMatch(/the machine went down with .* open \(power loss or kernel crash\): checking it/);
      expect(said).toMatch(/store checked after the unclean reboot: \d+ finding\(s\), [1-9]\d* repaired/);
      const s3 = ts.client();
      const got = await s3.send(new GetObjectCommand({ Bucket: 'reboot', Key: 'big' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big)).toBe(true);
    } finally {
      await ts.stop();
    }
    const report = await fsck(dataDir);
    expect(report.findings).toEqual([]);
  });
});
