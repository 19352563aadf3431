/**
 * Notifications across a server killed with SIGKILL (a real `cairn serve` child process): events
 * committed while the target was down, or while delivery was under way, all arrive after the
 * restart, in order per key (at least once: a message sent but not yet acknowledged in the feed
 * may come twice, never not at all). Also `cairn worker notify` in its own process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleCli, spawnServer, type ServerProcess } from './helpers/serverProcess';
import { withMeta } from './helpers/testMeta';
import { byKey, startWebhookReceiver, type ReceivedRecord, type WebhookReceiver } from './helpers/webhookReceiver';

const KEY = 'CAIRNNOTIFYRESTART01';
const SECRET = 'cairn-notify-restart-secret-00000000000';
const ENV = { CAIRN_ACCESS_KEY_ID: KEY, CAIRN_SECRET_ACCESS_KEY: SECRET };

jest.setTimeout(120_000);

let dir: string;
let hook: WebhookReceiver;
const servers: ServerProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-notify-restart-'));
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill();
  await hook.stop();
  await rm(dir, { recursive: true, force: true });
});

function client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
}

async function serve(extra: string[] = []): Promise<ServerProcess> {
  const s = await spawnServer(
    ['--data', dir, '--port', '0', '--quiet', '--fsync', 'false', '--notify-target', `hook=${hook.url}`, '--worker-lease-ttl-seconds', '1', ...extra],
    ENV,
  );
  servers.push(s);
  return s;
}

async function setup(s3: S3Client): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: 'nrs' }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'nrs',
      NotificationConfiguration: { TopicConfigurations: [{ Id: 'r', TopicArn: 'arn:aws:sns:us-east-1:cairn:hook', Events: ['s3:ObjectCreated:*'] }] },
    }),
  );
}

/** Writes n versions to each key; returns the ETags per key in commit order. */
async function write(s3: S3Client, keys: string[], n: number): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(
    keys.map(async (k) => {
      out.set(k, []);
      for (let i = 0; i < n; i++) out.get(k)!.push((await s3.send(new PutObjectCommand({ Bucket: 'nrs', Key: k, Body: `${k}/${i}` }))).ETag!.replace(/"/g, ''));
    }),
  );
  return out;
}

/** Every expected event arrived, and per key the first arrivals are in commit order. */
function expectAllInOrder(records: ReceivedRecord[], expected: Map<string, string[]>): void {
  const got = byKey(records);
  for (const [k, etags] of expected) {
    const seen: string[] = [];
    for (const r of got.get(k) ?? []) if (!seen.includes(r.s3.object.eTag!)) seen.push(r.s3.object.eTag!);
    expect(seen).toEqual(etags);
    const seqs = (got.get(k) ?? []).map((r) => r.s3.object.sequencer);
    // A redelivery may repeat a run of sequencers, never go back before what was acknowledged.
    expect(new Set(seqs).size).toBe(etags.length);
  }
}

test('events written while the target is down survive kill -9 and arrive after the restart', async () => {
  hook.status = 503;
  const s = await serve();
  const s3 = client(s.endpoint);
  await setup(s3);
  const expected = await write(s3, ['a', 'b', 'c'], 10);
  for (let i = 0; hook.refused < 1 && i < 200; i++) await new Promise((r) => setTimeout(r, 25));
  expect(hook.refused).toBeGreaterThan(0);
  await s.kill();
  s3.destroy();
  hook.status = 200;
  await serve();
  await hook.waitFor(30);
  expectAllInOrder(hook.records, expected);
});

test('kill -9 in the middle of delivering: nothing is lost, order per key holds', async () => {
  hook.delayMs = 15; // a slow target: the server dies with most of the backlog unsent
  const s = await serve();
  const s3 = client(s.endpoint);
  await setup(s3);
  const expected = await write(s3, ['k1', 'k2', 'k3', 'k4'], 25);
  await hook.waitFor(5);
  await s.kill();
  s3.destroy();
  const before = hook.records.length;
  expect(before).toBeLessThan(100);
  hook.delayMs = 0;
  await serve();
  for (let i = 0; i < 400 && new Set(hook.records.map((r) => r.s3.object.sequencer)).size < 100; i++) await new Promise((r) => setTimeout(r, 25));
  expectAllInOrder(hook.records, expected);
});

test('`cairn worker notify` delivers from its own process beside `cairn serve --workers lifecycle`', async () => {
  const s = await serve(['--workers', 'lifecycle']);
  const s3 = client(s.endpoint);
  await setup(s3);
  const expected = await write(s3, ['w'], 5);
  await new Promise((r) => setTimeout(r, 300));
  expect(hook.records).toHaveLength(0); // no notify worker in the server
  const worker = spawn(
    process.execPath,
    [await bundleCli(), ...withMeta(['worker', 'notify', '--data', dir, '--notify-target', `hook=${hook.url}`, '--lease-ttl-seconds', '2'])],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...ENV } },
  );
  try {
    await hook.waitFor(5);
    expectAllInOrder(hook.records, expected);
  } finally {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
    s3.destroy();
  }
});
