/**
 * A source zone killed with SIGKILL right after acknowledging writes still delivers them: zone
 * "a" is the real `cairn serve --zone a --peer b=URL` as a child process, zone "b" is
 * in-process. Writes go to a while b is up (some are in flight when a dies) and while b is
 * down; a is killed at once after the last acknowledgement, b comes back, a restarts on the
 * same data directory: in the end b holds every acknowledged version exactly once, with the
 * same version id and ETag (the feed cursor moves only after b acknowledged; b's replica write
 * is idempotent by version id).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';
import { spawnServer, type ServerProcess } from './helpers/serverProcess';
import { freePort, peerUrl, waitFor } from './helpers/zones';

jest.setTimeout(180_000);

const ENV = { CAIRN_ACCESS_KEY_ID: ROOT_KEY, CAIRN_SECRET_ACCESS_KEY: ROOT_SECRET };

describe('zone replication: the source is killed with SIGKILL', () => {
  let aDir: string;
  let bDir: string;
  let a: ServerProcess | undefined;
  let b: TestServer | undefined;

  beforeAll(async () => {
    aDir = await mkdtemp(join(tmpdir(), 'cairn-zone-a-'));
    bDir = await mkdtemp(join(tmpdir(), 'cairn-zone-b-'));
  });
  afterAll(async () => {
    await a?.kill();
    await b?.stop();
    await rm(aDir, { recursive: true, force: true });
    await rm(bDir, { recursive: true, force: true });
  });

  test('every acknowledged write reaches the peer exactly once after kill -9 and restarts', async () => {
    const [aPort, bPort] = [await freePort(), await freePort()];
    const aArgs = [
      '--data',
      aDir,
      '--port',
      String(aPort),
      '--quiet',
      '--zone',
      'a',
      '--peer',
      `b=${peerUrl(bPort)}`,
      '--worker-lease-ttl-seconds',
      '2',
      '--gc-interval',
      '0',
    ];
    b = await startTestServer({ port: bPort, dataDir: bDir, zone: 'b' });
    const cb = b.client();
    await cb.send(new CreateBucketCommand({ Bucket: 'data' }));
    await cb.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));

    a = await spawnServer(aArgs, ENV);
    expect(a.stderr()).toContain('cairn: zone a; replicating to b (http://127.0.0.1:');
    expect(a.stderr()).not.toContain(ROOT_SECRET);
    const client = (endpoint: string) =>
      new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET } });
    let ca = client(a.endpoint);
    await ca.send(new CreateBucketCommand({ Bucket: 'data' }));
    await ca.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));
    await ca.send(
      new PutBucketReplicationCommand({
        Bucket: 'data',
        ReplicationConfiguration: {
          Role: 'arn:aws:iam::000000000000:role/r',
          Rules: [
            {
              ID: 'all',
              Priority: 1,
              Status: 'Enabled',
              Filter: { Prefix: '' },
              DeleteMarkerReplication: { Status: 'Disabled' },
              Destination: { Bucket: 'arn:aws:s3:::data' },
            },
          ],
        },
      }),
    );

    const acked = new Map<string, { versionId: string; etag: string }>();
    const put = async (key: string, body: string) => {
      const r = await ca.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: body }));
      acked.set(`${key}\0${r.VersionId}`, { versionId: r.VersionId!, etag: r.ETag! });
    };
    // 1) b up: 60 writes, 8 at a time; kill -9 right after the last acknowledgement
    for (let i = 0; i < 60; i += 8) await Promise.all(Array.from({ length: Math.min(8, 60 - i) }, (_, j) => put(`up/${i + j}`, `up ${i + j}`)));
    // a second version of some keys: versions of one key must arrive in order
    for (let i = 0; i < 5; i++) await put(`up/${i}`, `up ${i} v2`);
    await a.kill();
    ca.destroy();

    // 2) b down, a back: writes wait in a's feed; kill -9 again
    await b.stop();
    a = await spawnServer(aArgs, ENV);
    ca = client(a.endpoint);
    for (let i = 0; i < 20; i++) await put(`down/${i}`, `down ${i}`);
    await a.kill();
    ca.destroy();

    // 3) b back, a back: everything arrives
    b = await startTestServer({ port: bPort, dataDir: bDir, zone: 'b' });
    const cb2 = b.client();
    a = await spawnServer(aArgs, ENV);
    ca = client(a.endpoint);
    const versionsOnB = async () => {
      const out: { key: string; versionId: string; etag: string; latest: boolean }[] = [];
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const r = await cb2.send(new ListObjectVersionsCommand({ Bucket: 'data', KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
        for (const v of r.Versions ?? []) out.push({ key: v.Key!, versionId: v.VersionId!, etag: v.ETag!, latest: !!v.IsLatest });
        if (!r.IsTruncated) return out;
        keyMarker = r.NextKeyMarker;
        versionIdMarker = r.NextVersionIdMarker;
      }
    };
    const onB = await waitFor(
      'every acknowledged version on b',
      async () => {
        const v = await versionsOnB();
        return v.length >= acked.size ? v : undefined;
      },
      60_000,
      200,
    );
    expect(onB).toHaveLength(acked.size); // exactly once: no version twice
    for (const v of onB) expect(acked.get(`${v.key}\0${v.versionId}`)?.etag).toBe(v.etag);
    // the second versions are the latest on b too
    for (let i = 0; i < 5; i++) {
      const h = await cb2.send(new HeadObjectCommand({ Bucket: 'data', Key: `up/${i}` }));
      expect(await (await ca.send(new HeadObjectCommand({ Bucket: 'data', Key: `up/${i}` }))).VersionId).toBe(h.VersionId);
    }
    await waitFor('COMPLETED on a', async () => (await ca.send(new HeadObjectCommand({ Bucket: 'data', Key: 'down/19' }))).ReplicationStatus === 'COMPLETED');
    ca.destroy();
  });
});
