/**
 * `cairn worker lifecycle` as its own process beside `cairn serve --workers none`, attached
 * over DIR/cairn.sock; SIGKILL of the worker mid-scan and of the server mid-scan, restarts of
 * both: in the end every object expired exactly once (one delete marker per key in a versioned
 * bucket: a repeated action would add a second one).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { bundleCli } from './helpers/cliBundle';
import { onPostgres, withMeta } from './helpers/testMeta';

const KEY_ID = 'CAIRNWORKERTEST00001';
const SECRET = 'cairn-worker-test-secret-000000000000000';
const N = 1500;

function start(cli: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(process.execPath, [cli, ...withMeta(args)], {
    env: { ...process.env, CAIRN_ACCESS_KEY_ID: KEY_ID, CAIRN_SECRET_ACCESS_KEY: SECRET },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${stderr}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = ready.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => stderr });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before ready: ${stderr}`));
    });
  });
}

const kill9 = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });

async function remaining(s3: S3Client, bucket: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    n += r.KeyCount ?? 0;
    token = r.NextContinuationToken;
  } while (token);
  return n;
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('lifecycle worker in its own process', () => {
  it('survives kill -9 of the worker and of the server mid-scan: nothing lost, nothing repeated', async () => {
    const cli = await bundleCli('worker');
    const dir = await fs.promises.mkdtemp(path.join(tmpdir(), 'cairn-worker-'));
    const data = path.join(dir, 'data');
    const serveArgs = ['serve', '--data', data, '--port', '0', '--fsync', 'false', '--quiet', '--workers', 'none', '--lifecycle-day-seconds', '1'];
    // The day given to the worker too: on PostgreSQL it opens its own engine (no server to ask).
    const workerArgs = ['worker', 'lifecycle', '--data', data, '--lease-ttl-seconds', '1', '--lifecycle-day-seconds', '1'];
    const children: ChildProcess[] = [];
    try {
      let server = await start(cli, serveArgs, /serving S3 on (http:\/\/\S+)/);
      children.push(server.child);
      // LevelDB: the worker attaches over the server's socket (PostgreSQL: it opens the database itself).
      if (!onPostgres) expect((await fs.promises.stat(path.join(data, 'cairn.sock'))).mode & 0o777).toBe(0o600);
      let s3 = new S3Client({
        endpoint: server.match[1],
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
      });
      const b = 'expire-all';
      await s3.send(new CreateBucketCommand({ Bucket: b }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      for (let i = 0; i < N; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => s3.send(new PutObjectCommand({ Bucket: b, Key: `k${String(i + j).padStart(5, '0')}`, Body: 'x' }))),
        );
      }
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: b,
          LifecycleConfiguration: { Rules: [{ ID: 'all', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }] },
        }),
      );

      // 1. the worker, killed mid-scan
      let worker = await start(cli, workerArgs, /attached to/);
      children.push(worker.child);
      await until('the worker to start expiring', async () => (await remaining(s3, b)) < N - 100);
      await kill9(worker.child);
      const afterWorkerKill = await remaining(s3, b);
      expect(afterWorkerKill).toBeGreaterThan(0);

      // 2. a new worker (takes over once the dead one's lease expires), then the server killed mid-scan
      worker = await start(cli, workerArgs, /attached to/);
      children.push(worker.child);
      await until('progress after the restart', async () => (await remaining(s3, b)) < afterWorkerKill - 100);
      await kill9(server.child);
      server = await start(cli, serveArgs, /serving S3 on (http:\/\/\S+)/);
      children.push(server.child);
      s3.destroy();
      s3 = new S3Client({
        endpoint: server.match[1],
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
      });
      expect(await remaining(s3, b)).toBeGreaterThan(0); // the kill really was mid-scan

      // 3. the same worker process reconnects to the restarted server and finishes
      await until('every object expired', async () => (await remaining(s3, b)) === 0);
      const markers = new Map<string, number>();
      let versions = 0;
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const r = await s3.send(new ListObjectVersionsCommand({ Bucket: b, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
        versions += r.Versions?.length ?? 0;
        for (const m of r.DeleteMarkers ?? []) markers.set(m.Key!, (markers.get(m.Key!) ?? 0) + 1);
        if (!r.IsTruncated) break;
        keyMarker = r.NextKeyMarker;
        versionIdMarker = r.NextVersionIdMarker;
      }
      expect(versions).toBe(N);
      expect(markers.size).toBe(N);
      expect([...markers.values()].every((n) => n === 1)).toBe(true);
      s3.destroy();
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.rm(cli, { force: true });
    }
  }, 180_000);
});
